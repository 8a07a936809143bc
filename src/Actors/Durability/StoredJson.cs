using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Actors.Durability;

/// <summary>
/// A JSON value kept as its UTF-8 text. Stored entries hold a task's input this way: reading an entry back copies the
/// value's bytes instead of building a <see cref="JsonDocument"/> that lives until the input is used (a restart reads
/// every waiting task's at once), and what is stored is exactly the text serialized, which an input's fingerprint hashes.
/// </summary>
[JsonConverter(typeof(Converter))]
internal sealed class StoredJson
{
    private readonly byte[] _utf8;

    private StoredJson(byte[] utf8) => _utf8 = utf8;

    /// <summary>The value's JSON text.</summary>
    public ReadOnlySpan<byte> Utf8 => _utf8;

    /// <summary>The JSON of <paramref name="value"/> as <paramref name="type"/>.</summary>
    public static StoredJson Of(object value, Type type, JsonSerializerOptions options) => new(JsonSerializer.SerializeToUtf8Bytes(value, type, options));

    /// <summary>The value read back as <paramref name="type"/>.</summary>
    public object? Deserialize(Type type, JsonSerializerOptions options) => JsonSerializer.Deserialize(_utf8, type, options);

    /// <inheritdoc />
    public override string ToString() => Encoding.UTF8.GetString(_utf8);

    private sealed class Converter : JsonConverter<StoredJson>
    {
        public override StoredJson Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
        {
            if (!reader.HasValueSequence)
            {
                // A number or literal is its own token; a string's token is its text between the quotes, still escaped.
                switch (reader.TokenType)
                {
                    case JsonTokenType.Number or JsonTokenType.True or JsonTokenType.False:
                        return new(reader.ValueSpan.ToArray());
                    case JsonTokenType.String:
                        var quoted = new byte[reader.ValueSpan.Length + 2];
                        quoted[0] = quoted[^1] = (byte)'"';
                        reader.ValueSpan.CopyTo(quoted.AsSpan(1));
                        return new(quoted);
                }
            }

            // An object or array: its extent is found by parsing it; the document is dropped at once.
            using var document = JsonDocument.ParseValue(ref reader);
            return new(JsonMarshal.GetRawUtf8Value(document.RootElement).ToArray());
        }

        public override void Write(Utf8JsonWriter writer, StoredJson value, JsonSerializerOptions options) =>
            writer.WriteRawValue(value._utf8, skipInputValidation: true);
    }
}
