using System.Collections.Frozen;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Actors.Host.Api;

/// <summary>
/// Enum values as the API spells them: camelCase names only (<c>retryWaiting</c>, <c>add</c>). Numbers,
/// numeric strings and comma-joined flags are refused with a message that lists the valid names, because an
/// integer that is not a defined member would otherwise reach handlers as a value they never expect.
/// </summary>
internal sealed class StrictEnumConverterFactory : JsonConverterFactory
{
    public override bool CanConvert(Type typeToConvert) => typeToConvert.IsEnum;

    public override JsonConverter CreateConverter(Type typeToConvert, JsonSerializerOptions options) =>
        (JsonConverter)Activator.CreateInstance(typeof(StrictEnumConverter<>).MakeGenericType(typeToConvert))!;

    private sealed class StrictEnumConverter<TEnum> : JsonConverter<TEnum>
        where TEnum : struct, Enum
    {
        public override TEnum Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
        {
            if (reader.TokenType == JsonTokenType.String && JsonNames.TryParse<TEnum>(reader.GetString(), out var value))
            {
                return value;
            }

            throw new JsonException($"It must be one of {JsonNames.List<TEnum>()}.");
        }

        public override void Write(Utf8JsonWriter writer, TEnum value, JsonSerializerOptions options) => writer.WriteStringValue(JsonNames.Of(value));
    }
}

/// <summary>The API's names for enum members and members of types.</summary>
internal static class JsonNames
{
    /// <summary>The camelCase name of an enum member.</summary>
    public static string Of<TEnum>(TEnum value)
        where TEnum : struct, Enum => Names<TEnum>.ByValue.TryGetValue(value, out var name) ? name : value.ToString();

    /// <summary>The valid names of <typeparamref name="TEnum"/>, for error messages.</summary>
    public static string List<TEnum>()
        where TEnum : struct, Enum => string.Join(", ", Names<TEnum>.ByValue.Values);

    /// <summary>Parses one member's name (any case); never a number or a comma-joined list.</summary>
    public static bool TryParse<TEnum>(string? text, out TEnum value)
        where TEnum : struct, Enum => Names<TEnum>.ByName.TryGetValue(text ?? string.Empty, out value);

    /// <summary>The JSON names of a type's settable members, for error messages.</summary>
    public static string Members(Type type) =>
        string.Join(", ", type.GetProperties().Where(p => p.CanWrite || type.GetConstructors().Any(c => c.GetParameters().Any(a => a.Name == p.Name)))
            .Select(p => JsonNamingPolicy.CamelCase.ConvertName(p.Name)));

    /// <summary>How the API describes a property's type, <c>?</c> when it may be left out or null (nullable references included).</summary>
    public static string Describe(System.Reflection.PropertyInfo property)
    {
        var described = Describe(property.PropertyType);
        return !described.EndsWith('?') && new System.Reflection.NullabilityInfoContext().Create(property).ReadState == System.Reflection.NullabilityState.Nullable
            ? described + "?"
            : described;
    }

    /// <summary>How the API describes a member's type: <c>integer</c>, <c>string?</c>, ...</summary>
    public static string Describe(Type type) => Nullable.GetUnderlyingType(type) is { } inner ? Describe(inner) + "?" : type switch
    {
        _ when type == typeof(string) => "string",
        _ when type == typeof(bool) => "boolean",
        _ when type == typeof(int) || type == typeof(long) || type == typeof(short) => "integer",
        _ when type == typeof(double) || type == typeof(float) || type == typeof(decimal) => "number",
        { IsEnum: true } => "string",
        _ => "object",
    };

    private static class Names<TEnum>
        where TEnum : struct, Enum
    {
        public static readonly FrozenDictionary<TEnum, string> ByValue =
            Enum.GetValues<TEnum>().Distinct().ToFrozenDictionary(v => v, v => JsonNamingPolicy.CamelCase.ConvertName(v.ToString()));

        public static readonly FrozenDictionary<string, TEnum> ByName =
            ByValue.ToFrozenDictionary(p => p.Value, p => p.Key, StringComparer.OrdinalIgnoreCase);
    }
}
