using System.Text.Json;

namespace Actors.TestSupport;

/// <summary>Reads server-sent events from a response stream.</summary>
internal sealed class SseReader(Stream stream) : IDisposable
{
    private readonly StreamReader _reader = new(stream);

    /// <summary>Waits for the server's ": subscribed" comment: events published from now on will arrive.</summary>
    public async Task SubscribedAsync(CancellationToken cancellationToken)
    {
        while (await _reader.ReadLineAsync(cancellationToken) is { } line)
        {
            if (line == ": subscribed")
            {
                return;
            }
        }

        throw new EndOfStreamException("The event stream ended before it was subscribed.");
    }

    /// <summary>The next event, or null when the stream ends.</summary>
    public async Task<(string Name, JsonElement Data)?> NextAsync(CancellationToken cancellationToken)
    {
        string? name = null;
        string? data = null;
        while (await _reader.ReadLineAsync(cancellationToken) is { } line)
        {
            if (line.Length == 0 && name is not null && data is not null)
            {
                return (name, JsonDocument.Parse(data).RootElement.Clone());
            }

            if (line.StartsWith("event: ", StringComparison.Ordinal))
            {
                name = line["event: ".Length..];
            }
            else if (line.StartsWith("data: ", StringComparison.Ordinal))
            {
                data = line["data: ".Length..];
            }
        }

        return null;
    }

    public void Dispose() => _reader.Dispose();
}
