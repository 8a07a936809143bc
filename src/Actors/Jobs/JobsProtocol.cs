using Akka.Actor;

namespace Actors.Jobs;

// The public protocol of job managers and jobs. Anything IJobManager and IJobHandle do, an actor can
// do by sending these messages: the facades are thin wrappers over them.

/// <summary>A command a job manager actor accepts; every one names the job's key.</summary>
public interface IJobManagerCommand
{
    /// <summary>The key of the job the command is about.</summary>
    string Key { get; }
}

/// <summary>A command a job actor accepts directly (its <see cref="IActorRef"/> is in <see cref="RunningJob"/>).</summary>
public interface IJobCommand;

/// <summary>
/// Starts the job for <paramref name="Key"/> unless one is already running. Idempotent: the manager
/// handles one command at a time, so a burst of these for one key creates exactly one job.
/// Replies with a <see cref="RunJobResult"/>.
/// </summary>
/// <param name="Key">A non-empty key; one live job per key and manager.</param>
/// <param name="Factory">Creates the job; called only when no job runs for the key, on the manager.</param>
public sealed record RunJob<TState, TAction>(string Key, Func<Job<TState, TAction>> Factory) : IJobManagerCommand;

/// <summary>
/// Starts the job for <paramref name="Key"/> from <paramref name="InitialState"/> unless one is already running,
/// building it with the kind's <c>create</c> function (given when the manager was started). Data only, so
/// it can cross nodes: the form a sharded manager (on a cluster) and a <c>ClusterClient</c> use.
/// Idempotent like <see cref="RunJob{TState,TAction}"/>; replies with a <see cref="RunJobResult"/>.
/// </summary>
/// <param name="Key">A non-empty key; one live job per key and manager (per cluster when sharded).</param>
/// <param name="InitialState">The state the new job starts from (ignored when a job already runs).</param>
public sealed record RunJobFromState<TState>(string Key, TState InitialState) : IJobManagerCommand, IJobWireMessage;

/// <summary>
/// Activation on first use: dispatches <paramref name="Action"/> to the job under <paramref name="Key"/>, starting the job
/// with <paramref name="Factory"/> first when none runs (as <see cref="RunJob{TState,TAction}"/> would, so the factory runs
/// only when no job runs). The job answers like an acknowledged <see cref="Dispatch"/> (<see cref="ActionHandled"/>,
/// <see cref="ActionFailed"/> or <see cref="ActionRejected"/>); the manager answers <see cref="JobRejected"/> when no job
/// could be started. One message instead of a <see cref="RunJob{TState,TAction}"/> and a <see cref="Dispatch"/>, in process
/// only (a factory cannot cross nodes).
/// </summary>
/// <param name="Key">A non-empty key; one live job per key and manager.</param>
/// <param name="Action">The action for the job.</param>
/// <param name="Factory">Creates the job; called only when no job runs for the key, on the manager.</param>
public sealed record RunJobAndDispatch<TState, TAction>(string Key, TAction Action, Func<Job<TState, TAction>> Factory) : IJobManagerCommand;

/// <summary>The reply to <see cref="RunJob{TState,TAction}"/> and <see cref="RunJobFromState{TState}"/>.</summary>
/// <param name="Key">The key of the job.</param>
public abstract record RunJobResult(string Key) : IJobWireMessage;

/// <summary>A new job was created for the key and has started its work.</summary>
/// <param name="Key">The key of the job.</param>
/// <param name="Job">The job's actor.</param>
public sealed record JobCreated(string Key, IActorRef Job) : RunJobResult(Key);

/// <summary>A job was already running for the key; the factory was not called.</summary>
/// <param name="Key">The key of the job.</param>
/// <param name="Job">The running job's actor.</param>
public sealed record JobAlreadyRunning(string Key, IActorRef Job) : RunJobResult(Key);

/// <summary>No job was started: the key or factory was invalid, or the factory threw or returned null.</summary>
/// <param name="Key">The key as given (may be empty).</param>
/// <param name="Reason">What was wrong and how to fix it.</param>
/// <param name="Error">The exception the factory threw, if that was the cause.</param>
public sealed record JobRejected(string Key, string Reason, Exception? Error = null) : RunJobResult(Key);

/// <summary>Asks for the job running under a key. Replies with <see cref="RunningJob"/>.</summary>
/// <param name="Key">The key of the job.</param>
public sealed record GetRunningJob(string Key) : IJobManagerCommand, IJobWireMessage;

/// <summary>The reply to <see cref="GetRunningJob"/>.</summary>
/// <param name="Key">The key asked for.</param>
/// <param name="Job">The job's actor, or <see langword="null"/> when no job runs under the key.</param>
public sealed record RunningJob(string Key, IActorRef? Job) : IJobWireMessage
{
    /// <summary>The live view of the job that the in-process facade reads; null when no job runs.</summary>
    internal JobCell? Cell { get; init; }
}

/// <summary>Asks for the keys of all running jobs. Replies with <see cref="RunningJobs"/>.</summary>
public sealed record GetRunningJobs : IJobWireMessage
{
    /// <summary>The single instance.</summary>
    public static readonly GetRunningJobs Instance = new();

    private GetRunningJobs()
    {
    }
}

/// <summary>The reply to <see cref="GetRunningJobs"/>.</summary>
/// <param name="Keys">Keys of the jobs running when the manager answered, in no particular order.</param>
public sealed record RunningJobs(IReadOnlyList<string> Keys) : IJobWireMessage;

/// <summary>
/// Stops the job under <paramref name="Key"/>: its cancellation token fires, and the manager replies
/// <see cref="JobStopped"/> once the job's actor has stopped, or <see cref="JobNotRunning"/>.
/// </summary>
/// <param name="Key">The key of the job.</param>
/// <param name="Job">When set, stop only this incarnation of the job (not a newer one under the same key).</param>
public sealed record StopJob(string Key, IActorRef? Job = null) : IJobManagerCommand, IJobWireMessage;

/// <summary>The reply to <see cref="StopJob"/> when no (matching) job runs under the key.</summary>
/// <param name="Key">The key of the job.</param>
public sealed record JobNotRunning(string Key) : IJobWireMessage;

/// <summary>
/// Dispatches an action to the job under <paramref name="Key"/>; the manager forwards it (keeping the
/// sender), or replies <see cref="ActionRejected"/> when no job runs under the key.
/// </summary>
/// <param name="Key">The key of the job.</param>
/// <param name="Action">The action; it must be of the manager's action type.</param>
/// <param name="Acknowledge">Reply <see cref="ActionHandled"/> once the job has handled it.</param>
public sealed record DispatchToJob(string Key, object Action, bool Acknowledge = false) : IJobManagerCommand, IJobWireMessage;

/// <summary>
/// Sends an action to a job. The job handles actions one at a time, in the order each sender sent them.
/// A job also takes its action type told as it is (<c>job.Tell(action)</c>), unanswered; wrap it in
/// <see cref="Dispatch"/> to have it acknowledged, or when the action type is <see cref="object"/> or an
/// interface (so that it cannot be mistaken for a protocol message).
/// An action of the wrong type, or one that arrives while the job is stopping, is answered with
/// <see cref="ActionRejected"/> (logged when there is no sender to answer): never dropped silently.
/// </summary>
/// <param name="Action">The action.</param>
/// <param name="Acknowledge">Reply <see cref="ActionHandled"/> or <see cref="ActionFailed"/> once handled.</param>
public sealed record Dispatch(object Action, bool Acknowledge = false) : IJobCommand, IJobWireMessage;

/// <summary>A reply about one dispatched action.</summary>
/// <param name="Key">The key of the job.</param>
public abstract record DispatchResult(string Key) : IJobWireMessage;

/// <summary>The job handled the action (sent only when acknowledgement was asked for).</summary>
/// <param name="Key">The key of the job.</param>
public sealed record ActionHandled(string Key) : DispatchResult(Key);

/// <summary>The job refused the action without handling it.</summary>
/// <param name="Key">The key of the job.</param>
/// <param name="Action">The refused action.</param>
/// <param name="Reason">Why it was refused.</param>
public sealed record ActionRejected(string Key, object? Action, string Reason) : DispatchResult(Key);

/// <summary>The job's handler threw while handling the action; the job ends as failed.</summary>
/// <param name="Key">The key of the job.</param>
/// <param name="Error">The handler's error message.</param>
public sealed record ActionFailed(string Key, string Error) : DispatchResult(Key);

/// <summary>
/// Subscribes an actor to a job's state: it receives the current <see cref="JobStateChanged{TState}"/> at
/// once, then every change in version order, then <see cref="JobStopped"/>. A subscriber that terminates
/// is dropped (the job watches it).
/// </summary>
/// <param name="Subscriber">The actor to notify.</param>
public sealed record SubscribeToJob(IActorRef Subscriber) : IJobCommand, IJobWireMessage;

/// <summary>Ends a subscription made with <see cref="SubscribeToJob"/>.</summary>
/// <param name="Subscriber">The subscribed actor.</param>
public sealed record UnsubscribeFromJob(IActorRef Subscriber) : IJobCommand, IJobWireMessage;

/// <summary>Asks a job for its state. Replies with <see cref="JobState{TState}"/>.</summary>
public sealed record GetJobState : IJobCommand, IJobWireMessage
{
    /// <summary>The single instance.</summary>
    public static readonly GetJobState Instance = new();

    private GetJobState()
    {
    }
}

/// <summary>The reply to <see cref="GetJobState"/>.</summary>
/// <param name="Key">The key of the job.</param>
/// <param name="Version">The state's version: 0 for the initial state, one more for each change.</param>
/// <param name="State">The current state.</param>
/// <param name="Subscribers">How many actors are subscribed to the job's state.</param>
public sealed record JobState<TState>(string Key, long Version, TState State, int Subscribers) : IJobWireMessage;

/// <summary>A job's state changed (and, on subscription, the state at that moment).</summary>
/// <param name="Key">The key of the job.</param>
/// <param name="Version">The state's version: 0 for the initial state, one more for each change.</param>
/// <param name="State">The state.</param>
public sealed record JobStateChanged<TState>(string Key, long Version, TState State) : IJobWireMessage;

/// <summary>Why a job ended.</summary>
public enum JobStopReason
{
    /// <summary>Its work returned.</summary>
    Completed,

    /// <summary>It was stopped (<see cref="StopJob"/>, <c>StopAsync</c>, or its actor system shut down).</summary>
    Stopped,

    /// <summary>Its work or an action handler threw.</summary>
    Failed,
}

/// <summary>
/// A job ended. Sent to its subscribers, to requesters of <see cref="StopJob"/>, and published on the
/// event stream.
/// </summary>
/// <param name="Manager">The name of the job's manager.</param>
/// <param name="Key">The key of the job.</param>
/// <param name="Reason">Why it ended.</param>
/// <param name="Error">The error message when <paramref name="Reason"/> is <see cref="JobStopReason.Failed"/>.</param>
public sealed record JobStopped(string Manager, string Key, JobStopReason Reason, string? Error = null) : IJobWireMessage;

/// <summary>A job was created and its work started. Published on the event stream.</summary>
/// <param name="Manager">The name of the job's manager.</param>
/// <param name="Key">The key of the job.</param>
public sealed record JobStarted(string Manager, string Key) : IJobWireMessage;

/// <summary>
/// A message of the job protocol that may cross nodes; <c>JobWireSerializer</c> writes all of them
/// (bound in <c>hocon/jobs.conf</c>).
/// </summary>
internal interface IJobWireMessage;
