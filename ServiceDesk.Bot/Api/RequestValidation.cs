using System.Net.Mail;
using ServiceDesk.Core;

namespace ServiceDesk.Bot.Api;

/// <summary>Field errors for API requests, reported all at once as a 400 validation problem.</summary>
public sealed class RequestValidation
{
    private readonly Dictionary<string, List<string>> _errors = [];

    public bool IsValid => _errors.Count == 0;

    public IDictionary<string, string[]> Errors => _errors.ToDictionary(e => e.Key, e => e.Value.ToArray());

    public RequestValidation Add(string field, string error)
    {
        if (!_errors.TryGetValue(field, out var list))
        {
            _errors[field] = list = [];
        }

        list.Add(error);
        return this;
    }

    public void Required(string field, string? value, int maxLength)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            Add(field, $"The {field} field is required.");
        }
        else
        {
            MaxLength(field, value, maxLength);
        }
    }

    public void MaxLength(string field, string? value, int maxLength)
    {
        if (value is not null && value.Length > maxLength)
        {
            Add(field, $"The {field} field must be at most {maxLength} characters.");
        }
    }

    public void Email(string field, string? value)
    {
        if (value is not null && (!MailAddress.TryCreate(value, out var parsed) || parsed.Address != value.Trim()))
        {
            Add(field, $"The {field} field is not a valid e-mail address.");
        }
    }

    public void Phone(string field, string? value)
    {
        if (value is not null && !System.Text.RegularExpressions.Regex.IsMatch(value.Replace(" ", "", StringComparison.Ordinal).Replace("-", "", StringComparison.Ordinal), @"^\+[1-9][0-9]{6,14}$"))
        {
            Add(field, $"The {field} field must be an E.164 phone number such as +34600123456.");
        }
    }

    public void Language(string field, string? value)
    {
        if (value is not null && Languages.FromLocale(value) is null)
        {
            Add(field, $"The {field} field must be 'es' or 'en'.");
        }
    }

    public void Page(int? page, int? pageSize)
    {
        if (page is < 1)
        {
            Add("page", "The page field must be 1 or more.");
        }

        if (pageSize is < 1 or > TicketEndpoints.MaxPageSize)
        {
            Add("pageSize", $"The pageSize field must be between 1 and {TicketEndpoints.MaxPageSize}.");
        }
    }

    /// <summary>
    /// A value the JSON reader accepted is still checked: names joined by commas ("Low, High") parse to values
    /// the enum does not define.
    /// </summary>
    public void Defined<TEnum>(string field, TEnum? value)
        where TEnum : struct, System.Enum
    {
        if (value is { } given && !System.Enum.IsDefined(given))
        {
            Add(field, $"The {field} field must be one of: {string.Join(", ", System.Enum.GetNames<TEnum>())}.");
        }
    }

    public TEnum? Enum<TEnum>(string field, string? value)
        where TEnum : struct, System.Enum
    {
        if (string.IsNullOrEmpty(value))
        {
            return null;
        }

        if (System.Enum.TryParse<TEnum>(value, ignoreCase: true, out var parsed) && System.Enum.IsDefined(parsed) && !int.TryParse(value, out _))
        {
            return parsed;
        }

        Add(field, $"The {field} field must be one of: {string.Join(", ", System.Enum.GetNames<TEnum>())}.");
        return null;
    }
}
