using Akka.Actor;

namespace Actors.Jobs;

// Messages between a job manager and its job actors, and a job actor and itself: not public protocol.

/// <summary>Asks a job to stop (sent by its manager).</summary>
/// <param name="WithOwnDeadline">Whether the job enforces the stop timeout itself, or its manager does.</param>
internal sealed record StopRequested(bool WithOwnDeadline)
{
    /// <summary>Stop one job: it enforces its own stop timeout.</summary>
    public static readonly StopRequested One = new(true);

    /// <summary>Stop every job of a manager: the manager enforces one stop timeout for all of them.</summary>
    public static readonly StopRequested All = new(false);
}

/// <summary>A stopping job has had its stop timeout: it stops now, finished or not.</summary>
internal sealed record StopDeadlinePassed
{
    public static readonly StopDeadlinePassed Instance = new();
}

/// <summary>
/// The first message of every job actor, from its manager: the job to run. The manager tells it before it
/// answers <see cref="JobCreated"/>, so nothing else can reach the job first.
/// </summary>
internal sealed record StartJob<TState, TAction>(string Manager, Job<TState, TAction> Job, JobCell<TState> Cell, TimeSpan StopTimeout);

/// <summary>The job's work has ended (told by its completion callback).</summary>
internal sealed record WorkEnded
{
    public static readonly WorkEnded Instance = new();
}

/// <summary>A job's actor tells its manager that it has stopped, and how the job ended.</summary>
internal sealed record JobEnded(IActorRef Job, JobStopped Stopped);

/// <summary>An action handler that went asynchronous has finished (told by its continuation).</summary>
internal sealed record ActionEnded(Task Handling);

/// <summary>The job's last message once its stop timeout passed: continuations told before it still run.</summary>
internal sealed record FinishStop
{
    public static readonly FinishStop Instance = new();
}
