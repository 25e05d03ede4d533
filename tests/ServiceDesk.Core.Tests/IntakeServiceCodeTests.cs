using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using ServiceDesk.Core.Intake;
using ServiceDesk.Core.Persistence;
using ServiceDesk.Testing;
using static ServiceDesk.Core.Tests.IntakeTests;

namespace ServiceDesk.Core.Tests;

/// <summary>The service a channel names for a message (a Teams app's form, an SMS keyword) and the ticket it opens.</summary>
public class IntakeServiceCodeTests
{
    [Theory]
    [MemberData(nameof(Providers), MemberType = typeof(IntakeTests))]
    public async Task A_first_contacts_ticket_goes_under_the_service_the_message_names_and_its_group(DatabaseProvider provider)
    {
        await using var desk = await TestDesk.CreateAsync(provider);

        var result = await ReceiveAsync(desk, Sms("SM1", "+34600111222", "La VPN no conecta") with { ServiceCode = "vpn" });

        Assert.Equal(IntakeOutcome.CreatedTicket, result.Outcome);
        await desk.InScopeAsync(async sp =>
        {
            var db = sp.GetRequiredService<ServiceDeskDbContext>();
            var ticket = await db.Tickets.Include(t => t.Service).SingleAsync();
            Assert.Equal("vpn", ticket.Service!.Code);
            Assert.Equal(ticket.Service.AssignmentGroupId, ticket.AssignmentGroupId);
        });
    }

    [Theory]
    [MemberData(nameof(Providers), MemberType = typeof(IntakeTests))]
    public async Task A_known_sender_on_a_new_conversation_is_the_same_contact_whatever_service_the_message_names(DatabaseProvider provider)
    {
        await using var desk = await TestDesk.CreateAsync(provider);
        var first = await ReceiveAsync(desk, Sms("SM1", "+34600111222", "VPN caída"));

        // The same person writes to the desk's other numbers: new conversations, a known service and one the desk does not have.
        var named = await ReceiveAsync(desk, Sms("SM2", "+34600111222", "El wifi va lento") with { ConversationKey = "+34600111222|+34900000001", ServiceCode = "wifi" });
        var unknown = await ReceiveAsync(desk, Sms("SM3", "+34600111222", "Otra cosa") with { ConversationKey = "+34600111222|+34900000002", ServiceCode = "no-such-service" });

        Assert.Equal((IntakeOutcome.CreatedTicket, IntakeOutcome.CreatedTicket), (named.Outcome, unknown.Outcome));
        Assert.Equal((first.ContactId, first.ContactId), (named.ContactId, unknown.ContactId));
        await desk.InScopeAsync(async sp =>
        {
            var db = sp.GetRequiredService<ServiceDeskDbContext>();
            Assert.Equal(1, await db.Contacts.CountAsync());
            var services = await db.Tickets.OrderBy(t => t.Id).Select(t => new { t.RequesterId, t.Service!.Code }).ToListAsync();
            Assert.Equal(["general", "wifi", IntakeService.DefaultServiceCode], services.Select(s => s.Code));
            Assert.All(services, s => Assert.Equal(first.ContactId, s.RequesterId));
        });
    }
    [Theory]
    [MemberData(nameof(Providers), MemberType = typeof(IntakeTests))]
    public async Task Concurrent_first_messages_of_one_sender_each_open_a_ticket_under_the_service_they_name(DatabaseProvider provider)
    {
        await using var desk = await TestDesk.CreateAsync(provider);

        // All but one lose the race for the new contact and conversation, and their retry finds them: each still opens its ticket.
        var results = await Task.WhenAll(Enumerable.Range(0, 20).Select(i => Task.Run(() =>
            ReceiveAsync(desk, Sms($"SM{i}", "+34600111222", $"Problema {i}") with { StartsNewTicket = true, ServiceCode = "vpn" }))));

        Assert.All(results, r => Assert.Equal(IntakeOutcome.CreatedTicket, r.Outcome));
        Assert.Equal(20, results.Select(r => r.TicketId).Distinct().Count());
        await desk.InScopeAsync(async sp =>
        {
            var db = sp.GetRequiredService<ServiceDeskDbContext>();
            Assert.Equal(1, await db.Contacts.CountAsync());
            Assert.Equal(1, await db.Conversations.CountAsync());
            Assert.All(await db.Tickets.Select(t => t.Service!.Code).ToListAsync(), code => Assert.Equal("vpn", code));
            Assert.Equal(1, await db.Services.CountAsync(s => s.Code == "vpn"));
        });
    }
}
