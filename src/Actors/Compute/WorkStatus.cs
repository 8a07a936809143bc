namespace Actors.Compute;

/// <summary>Where a <see cref="WorkUnit"/> is in its life.</summary>
public enum WorkStatus
{
    /// <summary>Not started yet (or waiting to be retried).</summary>
    Pending = 0,

    /// <summary>Its function is running on a worker.</summary>
    Running = 1,

    /// <summary>Its function returned; <see cref="WorkUnit{TResult}.Result"/> holds what it returned.</summary>
    Completed = 2,

    /// <summary>Its function threw, or timed out, on its last attempt; <see cref="WorkUnit.Error"/> says why.</summary>
    Failed = 3,

    /// <summary>It was cancelled, on its own or with its run, before it could complete.</summary>
    Cancelled = 4,
}
