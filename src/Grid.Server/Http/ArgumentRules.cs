using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Grid.Server.Http;

/// <summary>
/// The rules every bound value obeys, whatever route it comes in on. Dates: any ISO 8601 offset is
/// accepted and turned into UTC here (PostgreSQL's timestamptz parameters take UTC only, so an
/// offset such as +08:00 used to end in a 500), within <see cref="Earliest"/>..<see cref="Latest"/>
/// (a year such as 9999 overflowed date arithmetic). Numbers: NaN and infinities are no measurement.
/// Query and route values are checked by an endpoint filter on every route; JSON bodies by
/// <see cref="UtcDateConverter"/>; routes that parse text themselves call <see cref="TryParseDate"/>.
/// </summary>
public static class ArgumentRules
{
    public static readonly DateTimeOffset Earliest = new(2000, 1, 1, 0, 0, 0, TimeSpan.Zero);
    public static readonly DateTimeOffset Latest = new(2100, 1, 1, 0, 0, 0, TimeSpan.Zero);

    public static string RangeMessage(string name) =>
        $"'{name}' must be a date-time between {Earliest:yyyy-MM-dd} and {Latest:yyyy-MM-dd}, such as 2026-11-22T09:30:00+08:00.";

    /// <summary>ISO 8601 with any offset (none means UTC), as UTC, or false when it is no date-time or out of range.</summary>
    public static bool TryParseDate(string? text, out DateTimeOffset utc)
    {
        utc = default;
        if (string.IsNullOrWhiteSpace(text)) return false;
        if (!DateTimeOffset.TryParse(text.Trim(), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var parsed)) return false;
        utc = parsed.ToUniversalTime();
        return utc >= Earliest && utc < Latest;
    }

    public static bool InRange(DateTimeOffset t) => t >= Earliest && t < Latest;

    /// <summary>Adds the filter on every route handler that takes a date-time or a floating-point number.</summary>
    public static EndpointFilterDelegate Factory(EndpointFilterFactoryContext context, EndpointFilterDelegate next)
    {
        var parameters = context.MethodInfo.GetParameters();
        var checkedAt = parameters
            .Select((p, i) => (p, i))
            .Where(x => (Nullable.GetUnderlyingType(x.p.ParameterType) ?? x.p.ParameterType) is var t && (t == typeof(DateTimeOffset) || t == typeof(double)))
            .Select(x => (Index: x.i, Name: x.p.Name ?? "value"))
            .ToArray();
        if (checkedAt.Length == 0) return next;
        return async invocation =>
        {
            var errors = new Errors();
            foreach (var (index, name) in checkedAt)
            {
                switch (invocation.Arguments[index])
                {
                    case DateTimeOffset t when !InRange(t):
                        errors.Add(name, RangeMessage(name));
                        break;
                    case DateTimeOffset t:
                        invocation.Arguments[index] = t.ToUniversalTime();
                        break;
                    case double d when !double.IsFinite(d):
                        errors.Add(name, $"'{name}' must be a finite number, not {d.ToString(CultureInfo.InvariantCulture)}.");
                        break;
                }
            }
            if (errors.Any) return errors.ToProblem();
            return await next(invocation);
        };
    }
}

/// <summary>JSON date-times: any offset read, stored as UTC, in the range of <see cref="ArgumentRules"/>.</summary>
public sealed class UtcDateConverter : JsonConverter<DateTimeOffset>
{
    public override DateTimeOffset Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        var value = reader.GetDateTimeOffset();
        if (!ArgumentRules.InRange(value))
            throw new OutOfRangeJsonException($"A date-time must be between {ArgumentRules.Earliest:yyyy-MM-dd} and {ArgumentRules.Latest:yyyy-MM-dd}.");
        return value.ToUniversalTime();
    }

    public override void Write(Utf8JsonWriter writer, DateTimeOffset value, JsonSerializerOptions options) =>
        writer.WriteStringValue(value);
}

/// <summary>A JSON value of the right type but outside what the field accepts; the message says what is.</summary>
public sealed class OutOfRangeJsonException(string message) : JsonException(message);
