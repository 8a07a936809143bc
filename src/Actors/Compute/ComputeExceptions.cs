namespace Actors.Compute;

/// <summary>A work unit failed: its function threw (the inner exception) or timed out on its last attempt.</summary>
public sealed class WorkUnitFailedException : Exception
{
    internal WorkUnitFailedException(WorkUnit unit, Exception cause)
        : base($"Work unit {unit.Id} failed after {unit.Attempts} attempt(s): {cause.Message}", cause) => UnitId = unit.Id;

    /// <summary>The unit's <see cref="WorkUnit.Id"/>.</summary>
    public long UnitId { get; }
}

/// <summary>An attempt of a work unit ran longer than its <see cref="WorkOptions.Timeout"/>.</summary>
public sealed class WorkUnitTimeoutException : TimeoutException
{
    internal WorkUnitTimeoutException(WorkUnit unit, TimeSpan timeout, int attempt)
        : base($"Work unit {unit.Id} timed out after {timeout.TotalMilliseconds:0.###} ms on attempt {attempt}; its token fired.")
    {
        UnitId = unit.Id;
        Attempt = attempt;
    }

    /// <summary>The unit's <see cref="WorkUnit.Id"/>.</summary>
    public long UnitId { get; }

    /// <summary>The attempt that timed out.</summary>
    public int Attempt { get; }
}

/// <summary>
/// Strict mode refused a unit's function because it captures mutable state; <see cref="Capture"/> names it.
/// Pass such values through the unit's input, or use a static lambda or a static method.
/// </summary>
public sealed class ImpureWorkException : ArgumentException
{
    internal ImpureWorkException(int index, Delegate function, string capture)
        : base($"Strict mode: the function of units[{index}] ({function.Method.DeclaringType?.Name}.{function.Method.Name}) captures {capture}. "
               + "Units run in parallel, so a function may not capture mutable state: pass the value through the unit's input, or make the lambda static.", "units") =>
        Capture = capture;

    /// <summary>What the function captures, for example <c>the variable 'total'</c>.</summary>
    public string Capture { get; }
}

/// <summary>Thrown by a worker after a unit threw, so supervision restarts that worker (and only it).</summary>
internal sealed class WorkUnitCrashedException(WorkUnit unit, Exception cause)
    : Exception($"Work unit {unit.Id} threw {cause.GetType().Name}; restarting its worker.", cause);
