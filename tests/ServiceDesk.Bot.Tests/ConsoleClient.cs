using System.Net;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Mvc.Testing;

namespace ServiceDesk.Bot.Tests;

/// <summary>A browser-like client of the console: keeps cookies, does not follow redirects, posts forms with their anti-forgery token.</summary>
internal static partial class ConsoleClient
{
    public static HttpClient Anonymous(DeskFactory factory) =>
        factory.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = true });

    public static async Task<HttpClient> SignedInAsync(DeskFactory factory, string email = DeskFactory.AdminEmail, string password = DeskFactory.AdminPassword)
    {
        var client = Anonymous(factory);
        var response = await SignInAsync(client, email, password);
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        return client;
    }

    public static async Task<HttpResponseMessage> SignInAsync(HttpClient client, string email, string password)
    {
        var token = await TokenAsync(client, "/account/login");
        return await client.PostAsync("/account/login", Form(("Email", email), ("Password", password), ("__RequestVerificationToken", token)));
    }

    /// <summary>The anti-forgery token of a page's forms (the matching cookie is kept by the client).</summary>
    public static async Task<string> TokenAsync(HttpClient client, string page)
    {
        var html = await client.GetStringAsync(page);
        return TokenField().Match(html) is { Success: true } match ? WebUtility.HtmlDecode(match.Groups[1].Value) : throw new InvalidOperationException($"No anti-forgery token on {page}.");
    }

    public static FormUrlEncodedContent Form(params (string Key, string Value)[] fields) =>
        new(fields.Select(f => new KeyValuePair<string, string>(f.Key, f.Value)));

    [GeneratedRegex("name=\"__RequestVerificationToken\" type=\"hidden\" value=\"([^\"]+)\"")]
    private static partial Regex TokenField();
}
