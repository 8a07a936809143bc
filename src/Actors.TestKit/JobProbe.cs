using Actors.Jobs;
using Akka.TestKit;

namespace Actors.TestKit;

/// <summary>
/// A job manager in a TestKit's actor system, for testing a job kind: run a job, dispatch actions,
/// await a state or a version, stop it. Every wait is bounded (real time) and fails with what it saw.
/// </summary>
/// <typeparam name="TState">The jobs' state.</typeparam>
/// <typeparam name="TAction">The actions they accept.</typeparam>
/// <example>
/// <code>
/// var jobs = JobProbe&lt;CounterState, CounterAction&gt;.Start(this);
/// await jobs.RunAsync("a", () => new CounterJob(new CounterState(0)));
/// await jobs.DispatchAsync("a", new CounterAction.Add(2));
/// Assert.Equal(2, (await jobs.AwaitStateAsync("a", s => s.Count == 2)).Count);
/// </code>
/// </example>
public sealed class JobProbe<TState, TAction>
{
    private JobProbe(IJobManager<TState, TAction> manager) => Manager = manager;

    /// <summary>The manager, for anything the probe does not wrap.</summary>
    public IJobManager<TState, TAction> Manager { get; }

    /// <summary>How long (real time) a wait lasts before it fails the test; 10 s unless set.</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Starts a manager named <paramref name="name"/> in <paramref name="testKit"/>'s system.</summary>
    public static JobProbe<TState, TAction> Start(TestKitBase testKit, string name = "probe", JobManagerOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(testKit);
        return new JobProbe<TState, TAction>(JobManager.Start<TState, TAction>(testKit.Sys, name, options));
    }

    /// <summary>Runs a job under <paramref name="key"/> (or finds the one running) and returns its handle.</summary>
    /// <exception cref="JobRejectedException">The factory threw or the manager refused.</exception>
    public async Task<IJobHandle<TState, TAction>> RunAsync(string key, Func<Job<TState, TAction>> factory)
    {
        await Manager.RunJobAsync(key, factory).ConfigureAwait(false);
        return await HandleAsync(key).ConfigureAwait(false);
    }

    /// <summary>Dispatches an action to the job under <paramref name="key"/> and waits until it has handled it.</summary>
    /// <exception cref="JobActionRejectedException">The job refused it or its handler threw.</exception>
    public async Task DispatchAsync(string key, TAction action) =>
        await (await HandleAsync(key).ConfigureAwait(false)).DispatchAsync(action).ConfigureAwait(false);

    /// <summary>Waits until the job's state satisfies <paramref name="condition"/> and returns that state.</summary>
    /// <exception cref="TimeoutException">It did not within <see cref="Timeout"/>, or the job stopped first.</exception>
    public async Task<TState> AwaitStateAsync(string key, Func<TState, bool> condition) =>
        (await AwaitAsync(key, changed => condition(changed.State), "a state that satisfies the condition").ConfigureAwait(false)).State;

    /// <summary>Waits until the job's state has reached <paramref name="version"/> and returns that state.</summary>
    public async Task<TState> AwaitVersionAsync(string key, long version) =>
        (await AwaitAsync(key, changed => changed.Version >= version, $"version {version}").ConfigureAwait(false)).State;

    /// <summary>Stops the job and returns how it ended.</summary>
    public async Task<JobStopped> StopAsync(string key)
    {
        using var deadline = new CancellationTokenSource(Timeout);
        return await (await HandleAsync(key).ConfigureAwait(false)).StopAsync(deadline.Token).ConfigureAwait(false);
    }

    private async Task<IJobHandle<TState, TAction>> HandleAsync(string key) =>
        await Manager.GetRunningJobAsync(key).ConfigureAwait(false)
        ?? throw new InvalidOperationException($"No job runs under '{key}' in manager '{Manager.Name}'.");

    private async Task<JobStateChanged<TState>> AwaitAsync(string key, Func<JobStateChanged<TState>, bool> reached, string what)
    {
        var handle = await HandleAsync(key).ConfigureAwait(false);
        using var deadline = new CancellationTokenSource(Timeout);
        JobStateChanged<TState>? last = null;
        try
        {
            await foreach (var changed in handle.WatchAsync(deadline.Token).ConfigureAwait(false))
            {
                last = changed;
                if (reached(changed))
                {
                    return changed;
                }
            }
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested)
        {
        }

        throw new TimeoutException($"Job '{key}' did not reach {what} within {Timeout}; its last state was {(last is null ? "not seen" : $"version {last.Version}: {last.State}")}.");
    }
}

/// <summary>Starts <see cref="JobProbe{TState, TAction}"/>s.</summary>
public static class JobProbe
{
    /// <summary>Starts a probe for job kind <typeparamref name="TState"/>/<typeparamref name="TAction"/>.</summary>
    public static JobProbe<TState, TAction> Start<TState, TAction>(TestKitBase testKit, string name = "probe", JobManagerOptions? options = null) =>
        JobProbe<TState, TAction>.Start(testKit, name, options);
}
