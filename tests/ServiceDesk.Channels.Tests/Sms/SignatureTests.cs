using System.Text;
using System.Text.Json.Nodes;
using ServiceDesk.Channels.Sms;
using ServiceDesk.Testing;

namespace ServiceDesk.Channels.Tests.Sms;

public class SignatureTests
{
    private static readonly JsonObject Vectors = JsonNode.Parse(File.ReadAllText(SharedFiles.Path("fixtures", "twilio", "signature-test-vectors.json")))!.AsObject();

    private static string Token => (string)Vectors["authToken"]!;

    public static TheoryData<string> FormVectors =>
        [.. Vectors["vectors"]!.AsArray().Where(v => v!["rawBody"] is null).Select(v => (string)v!["name"]!)];

    [Theory]
    [MemberData(nameof(FormVectors))]
    public void Computes_and_accepts_the_published_vectors(string name)
    {
        var vector = Vector(name);
        var url = (string)vector["url"]!;
        var parameters = Params(vector);
        var expected = (string)vector["expected"]!;

        Assert.Equal(expected, TwilioSignature.Compute(Token, url, parameters));
        Assert.True(TwilioSignature.IsValid(Token, expected, url, parameters));
    }

    [Fact]
    public void Accepts_a_signature_made_with_or_without_the_default_port()
    {
        var withPort = Vector("same v1 params but URL with explicit :443 (validators try with and without port)");
        var withoutPort = Vector("form params (twilio-csharp/python/php SDK tests)");
        var parameters = Params(withoutPort);

        // Signed over ":443", received without a port; and the other way round.
        Assert.True(TwilioSignature.IsValid(Token, (string)withPort["expected"]!, (string)withoutPort["url"]!, parameters));
        Assert.True(TwilioSignature.IsValid(Token, (string)withoutPort["expected"]!, (string)withPort["url"]!, parameters));
        Assert.False(TwilioSignature.IsValid(Token, (string)withoutPort["expected"]!, "https://mycompany.com:8443/myapp.php?foo=1&bar=2", parameters.Append(new("x", "y"))));
    }

    [Fact]
    public void Validates_the_json_body_variant_with_bodySHA256()
    {
        var vector = Vectors["vectors"]!.AsArray().Single(v => v!["rawBody"] is not null)!;
        var url = (string)vector["url"]!;
        var body = Encoding.UTF8.GetBytes((string)vector["rawBody"]!);
        var signature = (string)vector["expected"]!;

        Assert.Equal((string)vector["bodySHA256"]!, TwilioSignature.BodyHash(body));
        Assert.True(TwilioSignature.IsValidJson(Token, signature, url, body));
        Assert.False(TwilioSignature.IsValidJson(Token, signature, url, Encoding.UTF8.GetBytes("{\"property\": \"other\", \"boolean\": true}")));
        Assert.False(TwilioSignature.IsValidJson("54321", signature, url, body));
        Assert.False(TwilioSignature.IsValidJson(Token, signature, url.Replace("&bodySHA256=", "&x=", StringComparison.Ordinal), body));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("not base64!")]
    [InlineData("AAAA")]
    public void Refuses_a_missing_or_malformed_signature(string? signature)
    {
        var vector = Vector("form params (twilio-csharp/python/php SDK tests)");
        Assert.False(TwilioSignature.IsValid(Token, signature, (string)vector["url"]!, Params(vector)));
    }

    [Fact]
    public async Task Agrees_with_Twilios_node_library_on_random_requests()
    {
        await using var oracle = await TwilioNodeOracle.StartAsync();
        var random = new Random(20261124);
        for (var i = 0; i < 60; i++)
        {
            var token = RandomText(random, 32, ascii: true);
            var url = RandomUrl(random);
            var parameters = RandomParams(random);

            var theirs = await oracle.SignAsync(token, url, parameters);
            Assert.Equal(theirs, TwilioSignature.Compute(token, url, parameters));
            Assert.True(TwilioSignature.IsValid(token, theirs, url, parameters), $"valid request refused: {url}");
            Assert.True(await oracle.ValidateAsync(token, TwilioSignature.Compute(token, url, parameters), url, parameters));

            var tampered = parameters.ToList();
            var victim = random.Next(tampered.Count);
            tampered[victim] = new(tampered[victim].Key, tampered[victim].Value + "x");
            Assert.False(TwilioSignature.IsValid(token, theirs, url, tampered));
            Assert.False(TwilioSignature.IsValid(token, theirs, url.Replace("/sms", "/smz", StringComparison.Ordinal), parameters));
            Assert.False(TwilioSignature.IsValid(token + "0", theirs, url, parameters));
            Assert.False(TwilioSignature.IsValid(token, theirs, url, parameters.Append(new("Extra", "1"))));
        }
    }

    private static JsonNode Vector(string name) => Vectors["vectors"]!.AsArray().Single(v => (string)v!["name"]! == name)!;

    private static List<KeyValuePair<string, string>> Params(JsonNode vector) =>
        [.. vector["params"]!.AsArray().Select(p => new KeyValuePair<string, string>((string)p![0]!, (string)p[1]!))];

    internal static List<KeyValuePair<string, string>> RandomParams(Random random)
    {
        var names = new[] { "Body", "From", "To", "MessageSid", "AccountSid", "NumMedia", "MediaUrl0", "FromCountry", "SmsStatus", "a", "B", "_x", "Ñame", "z9" };
        var parameters = new List<KeyValuePair<string, string>>();
        foreach (var name in names.OrderBy(_ => random.Next()).Take(random.Next(1, names.Length)))
        {
            parameters.Add(new(name, RandomText(random, random.Next(0, 40), ascii: random.Next(3) > 0)));
            if (random.Next(8) == 0)
            {
                // A repeated name, as a form may carry.
                parameters.Add(new(name, RandomText(random, random.Next(1, 10), ascii: true)));
            }
        }

        return parameters;
    }

    internal static string RandomUrl(Random random)
    {
        string[] bases = ["https://desk.example.com", "https://desk.example.com:443", "http://127.0.0.1:5000", "https://example.org/desk"];
        var query = random.Next(2) == 0 ? string.Empty : $"?key={Guid.NewGuid():N}&n={random.Next(1000)}";
        return $"{bases[random.Next(bases.Length)]}/api/sms/twilio{query}";
    }

    private static string RandomText(Random random, int length, bool ascii)
    {
        const string plain = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 +-_.:/=&?%";
        const string rich = "áéíóúñ¿¡€“”—…😀中文\n\t<>&\"'";
        var text = new StringBuilder(length);
        for (var i = 0; i < length; i++)
        {
            if (!ascii && random.Next(4) == 0)
            {
                var start = random.Next(rich.Length);
                text.Append(char.IsHighSurrogate(rich[start]) ? rich.AsSpan(start, 2) : char.IsLowSurrogate(rich[start]) ? "x" : rich[start].ToString());
            }
            else
            {
                text.Append(plain[random.Next(plain.Length)]);
            }
        }

        return text.ToString();
    }
}
