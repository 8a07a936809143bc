using Actors.Jobs;

namespace Actors.Host.Events;

/// <summary>How the event stream follows one job's state, for each job kind the service registered.</summary>
internal sealed class JobWatchers(IJobManagers managers)
{
    private readonly List<Func<string, EventBuffer, CancellationToken, Task<bool>>> _kinds = [];

    public void Add<TState, TAction>(string kind) => _kinds.Add(async (key, buffer, cancellationToken) =>
    {
        if (await managers.Get<TState, TAction>(kind).GetRunningJobAsync(key, cancellationToken) is not { } job)
        {
            return false;
        }

        await foreach (var change in job.WatchAsync(cancellationToken))
        {
            if (!buffer.Offer(new JobStateEvent(kind, key, change.Version, change.State)))
            {
                break;
            }
        }

        return true;
    });

    /// <summary>Feeds the state changes of the job running under <paramref name="key"/> (in any kind) until it stops.</summary>
    public async Task WatchAsync(string key, EventBuffer buffer, CancellationToken cancellationToken)
    {
        foreach (var kind in _kinds)
        {
            if (await kind(key, buffer, cancellationToken))
            {
                return;
            }
        }
    }
}
