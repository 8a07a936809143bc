using Actors.Jobs;

namespace Actors.Host.Events;

/// <summary>How the event stream follows jobs' states, for each job kind the service registered.</summary>
internal sealed class JobWatchers(IJobManagers managers)
{
    private readonly List<Kind> _kinds = [];

    public void Add<TState, TAction>(string kind) => _kinds.Add(new Kind(
        async (key, cancellationToken) => await managers.Get<TState, TAction>(kind).GetRunningJobAsync(key, cancellationToken) is { } job
            ? async (buffer, watching) =>
            {
                await foreach (var change in job.WatchAsync(watching))
                {
                    if (!buffer.Offer(new JobStateEvent(kind, key, change.Version, change.State)))
                    {
                        break;
                    }
                }
            }
            : null,
        cancellationToken => managers.Get<TState, TAction>(kind).GetRunningJobKeysAsync(cancellationToken)));

    /// <summary>
    /// How to feed the state changes of the job running under <paramref name="key"/> (in any kind) into a
    /// buffer until it stops, starting with its current state; null if no job runs under that key.
    /// </summary>
    public async Task<Func<EventBuffer, CancellationToken, Task>?> FindAsync(string key, CancellationToken cancellationToken)
    {
        foreach (var kind in _kinds)
        {
            if (await kind.Find(key, cancellationToken) is { } watch)
            {
                return watch;
            }
        }

        return null;
    }

    /// <summary>The keys of the running jobs of every kind.</summary>
    public async Task<IReadOnlyList<string>> RunningKeysAsync(CancellationToken cancellationToken)
    {
        var keys = new List<string>();
        foreach (var kind in _kinds)
        {
            keys.AddRange(await kind.RunningKeys(cancellationToken));
        }

        return keys;
    }

    private sealed record Kind(Func<string, CancellationToken, Task<Func<EventBuffer, CancellationToken, Task>?>> Find,
        Func<CancellationToken, Task<IReadOnlyList<string>>> RunningKeys);
}
