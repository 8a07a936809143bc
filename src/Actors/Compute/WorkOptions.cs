namespace Actors.Compute;

/// <summary>Options of one <see cref="WorkUnit"/>: its timeout, retries and priority. Values are checked when set.</summary>
public sealed record WorkOptions
{
    /// <summary>The lowest priority.</summary>
    public const int LowestPriority = 1;

    /// <summary>The priority of a unit without options.</summary>
    public const int DefaultPriority = 5;

    /// <summary>The highest priority: started first within its run.</summary>
    public const int HighestPriority = 10;

    /// <summary>Options with no timeout, no retries and the default priority.</summary>
    public static WorkOptions Default { get; } = new();

    /// <summary>
    /// How long one attempt may run; null (the default) for no limit. When it runs out, the unit's token
    /// fires and the attempt fails with <see cref="WorkUnitTimeoutException"/> (retried if retries remain).
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">Not positive.</exception>
    public TimeSpan? Timeout
    {
        get;
        init => field = value is null || value > TimeSpan.Zero
            ? value
            : throw new ArgumentOutOfRangeException(nameof(Timeout), value, "A work unit's timeout must be positive (or null for none).");
    }

    /// <summary>How many times a failed attempt (an exception or a timeout) is tried again; 0 (the default) for none.</summary>
    /// <exception cref="ArgumentOutOfRangeException">Negative.</exception>
    public int Retries
    {
        get;
        init => field = value >= 0
            ? value
            : throw new ArgumentOutOfRangeException(nameof(Retries), value, "A work unit's retries must not be negative.");
    }

    /// <summary>1 to 10, 10 most urgent, 5 by default: within a run, more urgent units start first.</summary>
    /// <exception cref="ArgumentOutOfRangeException">Outside 1 to 10.</exception>
    public int Priority
    {
        get;
        init => field = value is >= LowestPriority and <= HighestPriority
            ? value
            : throw new ArgumentOutOfRangeException(nameof(Priority), value, $"A work unit's priority is from {LowestPriority} to {HighestPriority}.");
    } = DefaultPriority;
}
