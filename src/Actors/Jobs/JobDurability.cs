using System.Text.Json;
using Actors.Durability;

namespace Actors.Jobs;

/// <summary>
/// Opt-in durability for one job kind: the manager remembers which jobs run and their last state (as
/// JSON of <typeparamref name="TState"/>), checkpointed every <see cref="CheckpointInterval"/> and when a job
/// ends; after a restart it runs them again with <see cref="Restore"/>. They are kept in the system's one
/// store (<c>WithDurability</c>); starting a durable kind without a store is an error. Jobs stopped by a shutdown are
/// remembered; jobs that ended on their own, failed, or were stopped are forgotten.
/// </summary>
/// <param name="Restore">Creates the job for a remembered key from its last stored state.</param>
/// <param name="CheckpointInterval">How often running jobs' states are stored (if any changed); 1 s by default.</param>
public sealed record JobDurability<TState, TAction>(Func<string, TState, Job<TState, TAction>> Restore, TimeSpan? CheckpointInterval = null)
{
    internal static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary>How often to checkpoint.</summary>
    internal TimeSpan Interval => CheckpointInterval is { } interval && interval > TimeSpan.Zero ? interval : TimeSpan.FromSeconds(1);
}

/// <summary>The running jobs of one manager and their last states.</summary>
[StoredAs("jobs.checkpoint.v1", Large = true)]
internal sealed record JobsCheckpointV1(IReadOnlyDictionary<string, JsonElement> States) : IStored;
