namespace Actors.Tasks;

/// <summary>
/// Single flight and result caching for a task type: a submit whose input is identical (same JSON) to that of a task of
/// the type still waiting or running gets that task instead of a new one; with <paramref name="Ttl"/>, so does one
/// within that time after such a task completed (its result is reused; a failed or cancelled task is not).
/// </summary>
/// <remarks>The sharing lasts while the queue keeps the first task's record, and starts afresh after a restart.</remarks>
/// <param name="Ttl">How long a completed task's result serves identical inputs; null or zero for only while it runs.</param>
public sealed record TaskResultSharing(TimeSpan? Ttl = null)
{
    internal TaskResultSharing Validated()
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(Ttl ?? TimeSpan.Zero, TimeSpan.Zero, nameof(Ttl));
        return this;
    }
}
