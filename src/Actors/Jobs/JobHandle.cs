using System.Runtime.CompilerServices;
using System.Threading.Channels;
using Actors.Common;
using Akka.Actor;

namespace Actors.Jobs;

/// <summary>The <see cref="IJobHandle{TState,TAction}"/> facade over one job actor and its live cell.</summary>
internal sealed class JobHandle<TState, TAction>(JobManagerClient<TState, TAction> manager, IActorRef job, JobCell<TState> cell)
    : IJobHandle<TState, TAction>
{
    /// <summary>
    /// Whether an action can be told to the job as it is (saving a <see cref="Jobs.Dispatch"/> per action):
    /// only when no protocol message could also be a <typeparamref name="TAction"/>.
    /// </summary>
    private static readonly bool TellActionsAsTheyAre = typeof(TAction) != typeof(object) && !typeof(TAction).IsInterface;

    /// <summary>For a job on another node: 1 once a subscriber keeps the cell current and completes it at the job's end.</summary>
    private int _following;

    public string Key => cell.Key;

    public IActorRef Job { get; } = job;

    public TState State => cell.Current.State;

    public JobStateChanged<TState> Current => cell.Current;

    public Task<JobStopped> Completion
    {
        get
        {
            FollowIfCopy();
            return cell.Completion;
        }
    }

    public void Dispatch(TAction action)
    {
        ThrowIfStopped();
        // Across nodes, only the wrapped form has a wire format (the job protocol's serializer).
        Job.Tell(TellActionsAsTheyAre && !cell.IsCopy && action is not null ? action : new Dispatch(action!));
    }

    public async Task DispatchAsync(TAction action, CancellationToken cancellationToken = default)
    {
        ThrowIfStopped();
        ThrowIfNotHandled(await Job.AskLocal<DispatchResult>(new Dispatch(action!, Acknowledge: true), manager.Settings.AskTimeout, cancellationToken).ConfigureAwait(false));
    }

    /// <summary>Turns a job's refusal or failure to handle an acknowledged action into the exception callers get.</summary>
    internal static void ThrowIfNotHandled(DispatchResult result)
    {
        switch (result)
        {
            case ActionRejected rejected:
                throw new JobActionRejectedException(rejected.Key, rejected.Reason);
            case ActionFailed failed:
                throw new JobActionRejectedException(failed.Key, $"Job '{failed.Key}' failed handling the action: {failed.Error}");
        }
    }

    public IDisposable OnStateChange(Action<TState> listener)
    {
        ArgumentNullException.ThrowIfNull(listener);
        return Subscribe(cell.Current.Version, changed => listener(changed.State), static _ => { });
    }

    public IDisposable OnStopped(Action<JobStopped> listener)
    {
        ArgumentNullException.ThrowIfNull(listener);
        FollowIfCopy();
        var registration = new StoppedListener(listener);
        Completion.ContinueWith(static (task, state) => ((StoppedListener)state!).Invoke(task.Result), registration, CancellationToken.None, TaskContinuationOptions.OnlyOnRanToCompletion, TaskScheduler.Default);
        return registration;
    }

    public async IAsyncEnumerable<JobStateChanged<TState>> WatchAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        // Unbounded: the subscriber actor must never block, and states are delivered without gaps.
        var channel = Channel.CreateUnbounded<JobStateChanged<TState>>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
        using var subscription = Subscribe(-1, changed => channel.Writer.TryWrite(changed), _ => channel.Writer.TryComplete());
        await foreach (var changed in channel.Reader.ReadAllAsync(cancellationToken).ConfigureAwait(false))
        {
            yield return changed;
        }
    }

    public async Task<JobStopped> StopAsync(CancellationToken cancellationToken = default)
    {
        if (cell.Stopped is { } stopped)
        {
            return stopped;
        }

        var timeout = manager.Settings.StopTimeout + manager.Settings.AskTimeout;
        var reply = await manager.Manager.Ask<object>(new StopJob(Key, Job), timeout, cancellationToken).ConfigureAwait(false);
        return reply as JobStopped ?? await Completion.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// A copy of a job's cell from another node is written by nobody: the first use that needs it current (or its end)
    /// subscribes to the job for as long as it runs. A job already gone ends it as stopped.
    /// </summary>
    private void FollowIfCopy()
    {
        if (!cell.IsCopy || Interlocked.Exchange(ref _following, 1) == 1)
        {
            return;
        }

        Subscribe(cell.Current.Version, changed => cell.Current = changed,
            stopped => cell.Complete(stopped ?? new JobStopped(manager.Name, Key, JobStopReason.Stopped)));
    }

    private IDisposable Subscribe(long afterVersion, Action<JobStateChanged<TState>> onChange, Action<JobStopped?> onEnd)
    {
        var subscriber = manager.System.ActorOf(JobStateSubscriber<TState>.Props(Job, afterVersion, onChange, onEnd));
        return new Subscription(manager.System, subscriber);
    }

    private void ThrowIfStopped()
    {
        if (cell.Stopped is { } stopped)
        {
            throw new InvalidOperationException($"Job '{Key}' has stopped ({stopped.Reason}); it takes no more actions. Start a new one with RunJobAsync.");
        }
    }

    /// <summary>Stops the subscriber actor; the job, which watches it, drops it.</summary>
    private sealed class Subscription(ActorSystem system, IActorRef subscriber) : IDisposable
    {
        private int _disposed;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
            {
                system.Stop(subscriber);
            }
        }
    }

    private sealed class StoppedListener(Action<JobStopped> listener) : IDisposable
    {
        private int _done;

        public void Invoke(JobStopped stopped)
        {
            if (Interlocked.Exchange(ref _done, 1) == 0)
            {
                listener(stopped);
            }
        }

        public void Dispose() => Interlocked.Exchange(ref _done, 1);
    }
}
