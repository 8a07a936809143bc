namespace Actors.Host.Events;

/// <summary>
/// For an event client that asked for every job's state (<c>?jobStates=all</c>, the dashboard): follows each running job,
/// and each job that starts later, feeding its <see cref="JobStateEvent"/>s (its current state first) into the client's
/// buffer, up to <see cref="MaxFollowed"/> jobs at a time. Each followed job costs one subscription for as long as it runs.
/// </summary>
internal sealed class JobStateFollower(JobWatchers watchers, EventBuffer buffer, ILogger log, CancellationToken streaming)
{
    /// <summary>The most jobs one client follows at once; jobs beyond it show their starts and stops, not their states.</summary>
    public const int MaxFollowed = 1_000;

    private readonly HashSet<string> _followed = new(StringComparer.Ordinal);
    private bool _warned;

    /// <summary>Follows the jobs running now.</summary>
    public async Task StartAsync()
    {
        foreach (var key in await watchers.RunningKeysAsync(streaming))
        {
            _ = FollowAsync(key);
        }
    }

    /// <summary>Follows a job (called for each <c>job.started</c> the client is sent); ends when the job stops or the client leaves.</summary>
    public async Task FollowAsync(string key)
    {
        lock (_followed)
        {
            if (_followed.Contains(key))
            {
                return;
            }

            if (_followed.Count >= MaxFollowed)
            {
                if (!_warned)
                {
                    _warned = true;
                    log.LogWarning("An event client follows {Max} jobs' states already; the states of more jobs are not sent to it", MaxFollowed);
                }

                return;
            }

            _followed.Add(key);
        }

        try
        {
            if (await watchers.FindAsync(key, streaming) is not { } watch)
            {
                Forget(key);
                return;
            }

            await watch(buffer, streaming);
        }
        catch (Exception e) when (e is OperationCanceledException or Akka.Actor.AskTimeoutException)
        {
            // The client left, or the job's manager did not answer (the service stops): nothing more to follow.
            log.LogDebug("Stopped following job {Key}: {Reason}", key, e.Message);
        }

        Forget(key);
    }

    private void Forget(string key)
    {
        lock (_followed)
        {
            _followed.Remove(key);
        }
    }
}
