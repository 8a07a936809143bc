namespace Actors.Orchestration;

// Ordered start-up (seed 004's BatchInitializationGroup): components with dependencies, priorities and a
// concurrency limit start concurrently in dependency order. The protocol of the StartupGroupActor; the
// facade is Startup.RunAsync.

/// <summary>
/// One part of an application's start-up: started once every component it depends on has started.
/// </summary>
/// <param name="Name">A unique, non-empty name (errors and the report name it).</param>
/// <param name="Start">Starts the component; completes when it is up. It gets a token that fires on its timeout or when start-up is abandoned.</param>
/// <param name="DependsOn">The names of the components that must have started first.</param>
/// <param name="Priority">Among components ready at once, higher priorities start first (then in the order given).</param>
/// <param name="Required">A required component that fails fails the whole start-up; an optional one only degrades it (and skips what depends on it).</param>
/// <param name="Timeout">How long one attempt may take; null for the group's default.</param>
/// <param name="Retries">How many times a failed (or timed out) attempt is tried again, after 100 ms, 200 ms, 400 ms …</param>
public sealed record StartupComponent(
    string Name,
    Func<CancellationToken, Task> Start,
    IReadOnlyList<string>? DependsOn = null,
    int Priority = 0,
    bool Required = true,
    TimeSpan? Timeout = null,
    int Retries = 0);

/// <summary>How a start-up runs.</summary>
/// <param name="Concurrency">At most this many components start at once (at least 1).</param>
/// <param name="DefaultTimeout">How long one attempt of a component may take unless it sets its own.</param>
public sealed record StartupOptions(int Concurrency = 4, TimeSpan? DefaultTimeout = null)
{
    /// <summary>Reads <c>actors.orchestration.startup</c> (see <c>hocon/orchestration.conf</c>).</summary>
    public static StartupOptions Create(Akka.Actor.ActorSystem system)
    {
        var config = Configuration.ActorsConfig.For(system).GetConfig("actors.orchestration.startup");
        return new StartupOptions(config.GetInt("concurrency"), config.GetTimeSpan("default-timeout"));
    }

    /// <summary>The default timeout of an attempt: 30 s.</summary>
    internal TimeSpan AttemptTimeout => DefaultTimeout ?? TimeSpan.FromSeconds(30);
}

/// <summary>How one component's start ended.</summary>
public enum ComponentOutcome
{
    /// <summary>It started.</summary>
    Started,

    /// <summary>It failed after its retries (an optional one; a required one fails the start-up).</summary>
    Failed,

    /// <summary>It was not started: a component it depends on failed, or the start-up was abandoned.</summary>
    Skipped,
}

/// <summary>One component in the report.</summary>
/// <param name="Name">Its name.</param>
/// <param name="Outcome">How it ended.</param>
/// <param name="Attempts">How many attempts it took (0 when skipped).</param>
/// <param name="Duration">From its first attempt's start to its end.</param>
/// <param name="Error">Why it failed or was skipped.</param>
public sealed record ComponentReport(string Name, ComponentOutcome Outcome, int Attempts, TimeSpan Duration, string? Error);

/// <summary>The end of a start-up: every component's outcome, in the order they ended.</summary>
/// <param name="Components">The components.</param>
/// <param name="Duration">How long the whole start-up took.</param>
public sealed record StartupReport(IReadOnlyList<ComponentReport> Components, TimeSpan Duration)
{
    /// <summary>Whether an optional component failed or was skipped (the application runs without it).</summary>
    public bool Degraded => Components.Any(c => c.Outcome != ComponentOutcome.Started);
}

/// <summary>A required component failed: start-up stopped (components still starting were cancelled).</summary>
public sealed class StartupFailedException(string component, string reason, StartupReport report)
    : Exception($"Start-up failed: required component '{component}' {reason}")
{
    /// <summary>The component that failed.</summary>
    public string Component { get; } = component;

    /// <summary>What had happened when start-up stopped.</summary>
    public StartupReport Report { get; } = report;
}

/// <summary>The components cannot start in any order: a dependency cycle, an unknown dependency, a duplicate or invalid name.</summary>
public sealed class StartupConfigurationException(string message) : Exception(message);
