using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using ServiceDesk.Core.Messages;
using ServiceDesk.Core.Persistence;
using ServiceDesk.Core.Priorities;
using ServiceDesk.Core.Tickets;
using ServiceDesk.Testing;

namespace ServiceDesk.Core.Tests;

/// <summary>Notifications go to a channel the desk can send on: one without a sender is passed over.</summary>
public class NotificationRoutingTests
{
    [Fact]
    public async Task A_requester_reachable_by_email_and_sms_is_told_by_sms_when_email_is_not_configured()
    {
        await using var desk = await TestDesk.CreateAsync(DatabaseProvider.Sqlite, channels: [Channel.Sms]);

        var both = await CreateAsync(desk, new RequesterDetails("Ana", "ana@example.com", "+34600111222", "en"));
        var emailOnly = await CreateAsync(desk, new RequesterDetails("Luis", "luis@example.com", null, "en"));

        await desk.InScopeAsync(async sp =>
        {
            var db = sp.GetRequiredService<ServiceDeskDbContext>();
            var ack = await db.Messages.SingleAsync(m => m.TicketId == both.Id && m.Kind == MessageKind.Acknowledgement);
            Assert.Equal((Channel.Sms, "+34600111222"), (ack.Channel, ack.Recipient));
            Assert.True(await db.Outbox.AnyAsync(o => o.MessageId == ack.Id));

            // Nobody could deliver an e-mail: no outbox row that would only fail, and the ticket says why.
            Assert.False(await db.Messages.AnyAsync(m => m.TicketId == emailOnly.Id && m.Direction == MessageDirection.Outbound));
            var failed = await db.TicketEvents.SingleAsync(e => e.TicketId == emailOnly.Id && e.Kind == TicketEventKind.DeliveryFailed);
            Assert.Equal("no reachable channel for the requester", failed.Detail);
        });
    }

    [Fact]
    public async Task With_every_channel_configured_the_email_is_preferred_for_a_web_ticket()
    {
        await using var desk = await TestDesk.CreateAsync(DatabaseProvider.Sqlite);

        var ticket = await CreateAsync(desk, new RequesterDetails("Ana", "ana@example.com", "+34600111222", "en"));

        var ack = await desk.InScopeAsync(sp => sp.GetRequiredService<ServiceDeskDbContext>().Messages.SingleAsync(m => m.TicketId == ticket.Id && m.Kind == MessageKind.Acknowledgement));
        Assert.Equal(Channel.Email, ack.Channel);
    }

    private static Task<Ticket> CreateAsync(TestDesk desk, RequesterDetails requester) =>
        desk.InScopeAsync(sp => sp.GetRequiredService<TicketService>().CreateAsync(
            new NewTicket(TicketType.Incident, "VPN down", "VPN down", requester, Impact.Medium, Urgency.Medium, null), "api", CancellationToken.None));
}
