namespace Actors.Compute;

/// <summary>How a run treats its units' outcomes.</summary>
public enum WorkRunMode
{
    /// <summary>Every unit's result, in input order; the first failure fails the run (unless errors are collected).</summary>
    All,

    /// <summary>Each unit as it finishes, in completion order.</summary>
    Stream,

    /// <summary>Fire and forget: nobody waits; failures are logged.</summary>
    Fire,

    /// <summary>The first successful result; the other units are cancelled.</summary>
    Race,

    /// <summary>The first n successful results, in completion order; the other units are cancelled.</summary>
    Any,
}

/// <summary>Options of one run.</summary>
public sealed record WorkRunOptions
{
    /// <summary>Options that change nothing.</summary>
    public static WorkRunOptions Default { get; } = new();

    /// <summary>
    /// Strict mode for this run: refuse functions that capture mutable state. Null (the default) follows
    /// <c>actors.compute.strict</c>.
    /// </summary>
    public bool? Strict { get; init; }

    /// <summary>
    /// For <see cref="WorkRunMode.All"/>: let every unit finish and report each outcome instead of failing
    /// at the first failure (what <see cref="IComputePool.AllSettledAsync{TResult}"/> does).
    /// </summary>
    public bool CollectErrors { get; init; }
}
