using Actors.Jobs;

namespace Actors.Host.Events;

/// <summary>How the event stream follows one job's state, for each job kind the service registered.</summary>
internal sealed class JobWatchers(IJobManagers managers)
{
    private readonly List<Func<string, CancellationToken, Task<Func<EventBuffer, CancellationToken, Task>?>>> _kinds = [];

    public void Add<TState, TAction>(string kind) => _kinds.Add(async (key, cancellationToken) =>
        await managers.Get<TState, TAction>(kind).GetRunningJobAsync(key, cancellationToken) is { } job
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
            : null);

    /// <summary>
    /// How to feed the state changes of the job running under <paramref name="key"/> (in any kind) into a
    /// buffer until it stops; null if no job runs under that key.
    /// </summary>
    public async Task<Func<EventBuffer, CancellationToken, Task>?> FindAsync(string key, CancellationToken cancellationToken)
    {
        foreach (var kind in _kinds)
        {
            if (await kind(key, cancellationToken) is { } watch)
            {
                return watch;
            }
        }

        return null;
    }
}
