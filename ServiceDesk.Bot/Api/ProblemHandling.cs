using System.Text.Json;
using Microsoft.AspNetCore.Diagnostics;
using ServiceDesk.Core;

namespace ServiceDesk.Bot.Api;

/// <summary>Turns a broken domain rule into a 409 and unreadable input into a 400, as problem details.</summary>
public sealed class ProblemExceptionHandler(IProblemDetailsService problems) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        var (status, title, detail, code) = exception switch
        {
            DomainRuleException rule => (StatusCodes.Status409Conflict, "The request breaks a ticket rule", rule.Message, rule.Code),
            BadHttpRequestException bad => (bad.StatusCode, "The request could not be read", bad.Message, "bad_request"),
            _ => (0, "", "", ""),
        };
        if (status == 0)
        {
            return false;
        }

        if (exception is BadHttpRequestException { InnerException: JsonException { Path: { } path } json })
        {
            // Name the field that could not be read, like any other validation error.
            var field = path.TrimStart('$', '.');
            httpContext.Response.StatusCode = StatusCodes.Status400BadRequest;
            return await problems.TryWriteAsync(new ProblemDetailsContext
            {
                HttpContext = httpContext,
                Exception = exception,
                ProblemDetails = new HttpValidationProblemDetails(new Dictionary<string, string[]>
                {
                    [field.Length == 0 ? "body" : field] = [FirstSentence(json.Message)],
                })
                {
                    Status = StatusCodes.Status400BadRequest,
                    Title = "The request body is not valid JSON for this endpoint",
                },
            });
        }

        httpContext.Response.StatusCode = status;
        return await problems.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = httpContext,
            Exception = exception,
            ProblemDetails = { Status = status, Title = title, Detail = detail, Extensions = { ["code"] = code } },
        });
    }

    private static string FirstSentence(string message)
    {
        var end = message.IndexOf(". ", StringComparison.Ordinal);
        return end < 0 ? message : message[..(end + 1)];
    }
}
