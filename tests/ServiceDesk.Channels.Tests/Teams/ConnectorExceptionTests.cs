using System.Net;
using System.Net.Http.Headers;
using ServiceDesk.Channels.Teams;

namespace ServiceDesk.Channels.Tests.Teams;

public class ConnectorExceptionTests
{
    [Fact]
    public void A_retry_after_date_is_a_wait_from_when_the_answer_came()
    {
        var answeredAt = new DateTimeOffset(2031, 3, 4, 10, 0, 0, TimeSpan.Zero);
        using var response = new HttpResponseMessage(HttpStatusCode.TooManyRequests);
        response.Headers.RetryAfter = new RetryConditionHeaderValue(answeredAt.AddSeconds(90));

        var failure = ConnectorException.From(response, "{}", answeredAt);

        Assert.Equal(TimeSpan.FromSeconds(90), failure.RetryAfter);
        Assert.Equal(TimeSpan.Zero, ConnectorException.From(response, "{}", answeredAt.AddMinutes(5)).RetryAfter);
    }
}
