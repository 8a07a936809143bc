using Actors.Configuration;
using Akka.Actor;
using Akka.Configuration;

namespace Actors.Tasks;

/// <summary>Settings of the task queue, read from <c>actors.tasks</c> (see <c>hocon/tasks.conf</c>).</summary>
/// <param name="GlobalConcurrency">How many tasks run at once across all types.</param>
/// <param name="Capacity">How many unfinished tasks the queue holds.</param>
/// <param name="TimeToLive">How long a task may wait for a slot; null for no limit.</param>
/// <param name="KeepFinished">How many finished tasks' records are kept.</param>
/// <param name="ShutdownGrace">How long running tasks may go on during shutdown before their tokens fire.</param>
/// <param name="AskTimeout">How long the facade waits for the queue to answer.</param>
public sealed record TaskQueueSettings(int GlobalConcurrency, int Capacity, TimeSpan? TimeToLive, int KeepFinished, TimeSpan ShutdownGrace, TimeSpan AskTimeout)
{
    /// <summary>
    /// In a cluster, after the queue has moved to another node: how long the executors of the surviving
    /// nodes have to claim the attempts they still run before those run again.
    /// </summary>
    public TimeSpan ClaimWindow { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Whether the queue holds back lower priorities while the system is overloaded (<see cref="LoadProbe"/> at 1 or more): each
    /// second of overload raises the priority below which nothing starts by 2 (to 8 at most: priorities 8 to 10 always
    /// start), each calm second lowers it by 2. Off by default (<c>actors.tasks.load-shedding</c>).
    /// </summary>
    public bool LoadShedding { get; init; }

    /// <summary>
    /// Reads the system's load once a second when <see cref="LoadShedding"/> is on: 1 or more is overloaded, below 0.7 calm. Null
    /// for <see cref="SystemLoad.Sample"/> (the thread pool's queue and the process's CPU); a test or an app may give its own.
    /// </summary>
    public Func<double>? LoadProbe { get; init; }

    /// <summary>Reads <c>actors.tasks</c>, falling back to the library defaults.</summary>
    public static TaskQueueSettings Create(ActorSystem system)
    {
        var config = ActorsConfig.For(system).GetConfig("actors.tasks");
        var ttl = config.GetString("time-to-live");
        var settings = new TaskQueueSettings(
            config.GetInt("global-concurrency"),
            config.GetInt("capacity"),
            string.Equals(ttl, "infinite", StringComparison.OrdinalIgnoreCase) ? null : config.GetTimeSpan("time-to-live"),
            config.GetInt("keep-finished"),
            config.GetTimeSpan("shutdown-grace"),
            config.GetTimeSpan("ask-timeout")) { ClaimWindow = config.GetTimeSpan("claim-window"), LoadShedding = config.GetBoolean("load-shedding") };
        return settings.Validated();
    }

    /// <summary>These settings, checked.</summary>
    /// <exception cref="ConfigurationException">A value is out of range.</exception>
    public TaskQueueSettings Validated()
    {
        if (GlobalConcurrency < 1 || Capacity < 1 || KeepFinished < 0 || TimeToLive <= TimeSpan.Zero || ShutdownGrace < TimeSpan.Zero || AskTimeout <= TimeSpan.Zero
            || ClaimWindow < TimeSpan.Zero)
        {
            throw new ConfigurationException($"actors.tasks: global-concurrency and capacity must be at least 1, keep-finished not negative, time-to-live and ask-timeout positive, shutdown-grace and claim-window not negative; got {this}.");
        }

        return this;
    }
}
