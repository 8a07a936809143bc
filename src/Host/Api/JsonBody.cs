using System.Text.Json;
using System.Text.Json.Serialization;

namespace Actors.Host.Api;

/// <summary>
/// Reads request bodies for the API: at most the configured size, JSON with a bounded depth, and
/// errors that name the field at fault. Types are bound from the API's own schema only: a <c>$type</c>
/// or any member the target type does not have is refused, never used to pick a type.
/// </summary>
internal sealed partial class JsonBody(int maxBytes)
{
    public const int MaxDepth = 32;

    /// <summary>How the API reads and writes JSON.</summary>
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web)
    {
        MaxDepth = MaxDepth,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        NumberHandling = JsonNumberHandling.Strict,
        Converters = { new StrictEnumConverterFactory() },
    };

    public int MaxBytes { get; } = maxBytes;

    /// <summary>The body as a JSON element, or the problem to answer (400 or 413).</summary>
    public async Task<(JsonElement? Body, IResult? Problem)> ReadAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        if (request.ContentLength > MaxBytes)
        {
            return (null, TooLarge());
        }

        using var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        try
        {
            int read;
            while ((read = await request.Body.ReadAsync(chunk, cancellationToken)) > 0)
            {
                if (buffer.Length + read > MaxBytes)
                {
                    return (null, TooLarge());
                }

                buffer.Write(chunk, 0, read);
            }
        }
        catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            // A chunked body has no Content-Length: Kestrel's own limit stops it while it is read.
            return (null, TooLarge());
        }

        if (buffer.Length == 0)
        {
            return (null, null);
        }

        try
        {
            using var document = JsonDocument.Parse(buffer.ToArray(), new JsonDocumentOptions { MaxDepth = MaxDepth });
            return (document.RootElement.Clone(), null);
        }
        catch (JsonException e)
        {
            return (null, Problems.BadRequest($"The body is not valid JSON: {e.Message}", "body"));
        }
    }

    /// <summary>The body bound to <typeparamref name="T"/> (default when there is no body), or the problem to answer.</summary>
    public async Task<(T? Value, IResult? Problem)> ReadAsync<T>(HttpRequest request, string field, CancellationToken cancellationToken)
    {
        var (json, problem) = await ReadAsync(request, cancellationToken);
        if (problem is not null || json is not { } element)
        {
            return (default, problem);
        }

        var value = (T?)Bind(element, typeof(T), field, out problem);
        return (value, problem);
    }

    /// <summary>Binds <paramref name="element"/> to <paramref name="type"/>, or says which field is wrong.</summary>
    public static object? Bind(JsonElement element, Type type, string field, out IResult? problem)
    {
        problem = null;
        try
        {
            return element.Deserialize(type, Options);
        }
        catch (JsonException e) when (UnmappedMember().IsMatch(e.Message))
        {
            // The serializer's message names the CLR type; the API names the field and the fields it has.
            // The exception's path ends with the unknown member itself.
            var member = Path(field, e.Path);
            var parentPath = e.Path is { } full && full.LastIndexOf('.') is > 0 and var dot ? full[..dot] : "$";
            problem = Problems.BadRequest($"'{member}' is not a field of '{Path(field, parentPath)}'; its fields are: {JsonNames.Members(TypeAt(type, parentPath))}.", member);
            return null;
        }
        catch (JsonException e) when (e.Message.StartsWith("The JSON value could not be converted to", StringComparison.Ordinal))
        {
            var path = Path(field, e.Path);
            problem = Problems.BadRequest($"'{path}' is not valid: it must be {Article(JsonNames.Describe(TypeAt(type, e.Path)))}.", path);
            return null;
        }
        catch (JsonException e)
        {
            var path = Path(field, e.Path);
            problem = Problems.BadRequest($"'{path}' is not valid: {FirstSentence(e.Message)}", path);
            return null;
        }
        catch (Exception e) when (e is InvalidOperationException or NotSupportedException or ArgumentException or FormatException or OverflowException)
        {
            problem = Problems.BadRequest($"'{field}' is not valid: {FirstSentence(e.Message)}", field);
            return null;
        }
    }

    private static string Path(string field, string? jsonPath) => jsonPath is null or "$" ? field : $"{field}{jsonPath.TrimStart('$')}";

    /// <summary>The type of the object at a simple JSON path (<c>$.a.b</c>) under <paramref name="type"/>, for naming its fields.</summary>
    private static Type TypeAt(Type type, string? jsonPath)
    {
        foreach (var name in (jsonPath ?? "$").TrimStart('$').Split('.', StringSplitOptions.RemoveEmptyEntries))
        {
            var property = type.GetProperties().FirstOrDefault(p => string.Equals(p.Name, name, StringComparison.OrdinalIgnoreCase));
            if (property is null)
            {
                return type;
            }

            type = Nullable.GetUnderlyingType(property.PropertyType) ?? property.PropertyType;
        }

        return type;
    }

    private static string Article(string kind) => kind.StartsWith("integer", StringComparison.Ordinal) || kind.StartsWith("object", StringComparison.Ordinal) ? "an " + kind : "a " + kind;

    private IResult TooLarge() =>
        Results.Problem(statusCode: StatusCodes.Status413PayloadTooLarge, title: "Request body too large", detail: $"The body may be at most {MaxBytes / 1024} KB.");

    private static string FirstSentence(string message)
    {
        var end = message.IndexOf(". ", StringComparison.Ordinal);
        return end < 0 ? message : message[..(end + 1)];
    }

    [System.Text.RegularExpressions.GeneratedRegex("The JSON property '[^']*' could not be mapped")]
    private static partial System.Text.RegularExpressions.Regex UnmappedMember();
}
