using System.Net;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using ServiceDesk.Bot.Attachments;
using ServiceDesk.Core.Attachments;
using ServiceDesk.Core.Messages;
using ServiceDesk.Core.Persistence;

namespace ServiceDesk.Bot.Tests;

/// <summary>Attachments came from anybody: served so that no browser runs them on the console's origin.</summary>
[Collection(HostCollection.Name)]
public class AttachmentEndpointTests
{
    public static TheoryData<DatabaseProvider> Providers => [DatabaseProvider.Sqlite, DatabaseProvider.PostgreSql];

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task Html_downloads_as_bytes_under_its_sanitised_name_and_a_photo_shows_inline_both_sandboxed(DatabaseProvider provider)
    {
        await using var factory = await DeskFactory.CreateAsync(provider);
        var client = factory.CreateApiClient();
        var html = await SaveAsync(factory, Encoding.UTF8.GetBytes("<script>fetch('/api/tickets')</script>"), "text/html");
        var svg = await SaveAsync(factory, Encoding.UTF8.GetBytes("<svg xmlns='http://www.w3.org/2000/svg' onload='alert(1)'/>"), "image/svg+xml");
        var png = await SaveAsync(factory, [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A], "image/png");

        var page = await client.GetAsync(AttachmentEndpoints.LinkFor(new AttachmentInfo("../../evil\".html", "text/html", 10, html)));
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Equal("application/octet-stream", page.Content.Headers.ContentType!.MediaType);
        Assert.Equal("attachment", page.Content.Headers.ContentDisposition!.DispositionType);
        Assert.Equal("evil.html", page.Content.Headers.ContentDisposition.FileNameStar ?? page.Content.Headers.ContentDisposition.FileName?.Trim('"'));
        AssertSandboxed(page);

        var drawing = await client.GetAsync(svg + "?name=logo.svg");
        Assert.Equal("application/octet-stream", drawing.Content.Headers.ContentType!.MediaType);
        AssertSandboxed(drawing);

        var photo = await client.GetAsync(png);
        Assert.Equal("image/png", photo.Content.Headers.ContentType!.MediaType);
        Assert.Null(photo.Content.Headers.ContentDisposition);
        AssertSandboxed(photo);

        Assert.Equal(HttpStatusCode.Unauthorized, (await factory.CreateClient().GetAsync(png)).StatusCode);
    }

    [Fact]
    public void The_console_links_only_attachments_the_desk_stored()
    {
        Assert.Equal("/api/attachments/ab?name=a%20b.pdf", AttachmentEndpoints.LinkFor(new AttachmentInfo("a b.pdf", "application/pdf", 1, "/api/attachments/ab")));
        Assert.Null(AttachmentEndpoints.LinkFor(new AttachmentInfo("x.pdf", "application/pdf", 1, "https://elsewhere.example/x.pdf")));
        Assert.Null(AttachmentEndpoints.LinkFor(new AttachmentInfo("x.pdf", "application/pdf", 1)));
    }

    private static void AssertSandboxed(HttpResponseMessage response)
    {
        Assert.Equal("nosniff", Assert.Single(response.Headers.GetValues("X-Content-Type-Options")));
        Assert.StartsWith("sandbox", Assert.Single(response.Headers.GetValues("Content-Security-Policy")));
    }

    private static async Task<string> SaveAsync(DeskFactory factory, byte[] content, string contentType)
    {
        await using var scope = factory.Services.CreateAsyncScope();
        var key = await scope.ServiceProvider.GetRequiredService<AttachmentStore>().SaveAsync(content, contentType, CancellationToken.None);
        return AttachmentStore.UrlFor(key);
    }
}
