using Actors.Jobs;
using Actors.Orchestration;
using Actors.Tasks;
using Actors.Thunks;

namespace Actors.Host.Events;

/// <summary>
/// Which events a client asked for: <c>?task=id</c>, <c>?job=key</c>, <c>?flow=id</c>, <c>?types=task,job,thunk,flow</c>, and with
/// <c>?jobStates=all</c> every running job's state changes too (<see cref="JobStateFollower"/>).
/// </summary>
internal sealed record EventFilter(string? TaskId, string? JobKey, IReadOnlySet<string> Types, string? FlowId = null, bool AllJobStates = false)
{
    public static readonly IReadOnlySet<string> AllTypes = new HashSet<string>(["task", "job", "thunk", "flow"], StringComparer.Ordinal);

    /// <summary>The filter from the query, or what is wrong with it.</summary>
    public static (EventFilter? Filter, string? Problem) Parse(string? task, string? job, string? types, string? flow = null, string? jobStates = null)
    {
        if (jobStates is not (null or "all"))
        {
            return (null, $"'jobStates' takes 'all' (every running job's state changes); got '{jobStates}'.");
        }

        var chosen = types is null ? AllTypes : types.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToHashSet(StringComparer.Ordinal);
        var unknown = chosen.Except(AllTypes).ToArray();
        if (unknown.Length > 0 || chosen.Count == 0)
        {
            return (null, $"'types' takes a comma-separated list of {string.Join(", ", AllTypes)}; got '{types}'.");
        }

        if (task is not null)
        {
            chosen = new HashSet<string>(["task"], StringComparer.Ordinal);
        }
        else if (job is not null)
        {
            chosen = new HashSet<string>(["job"], StringComparer.Ordinal);
        }
        else if (flow is not null)
        {
            chosen = new HashSet<string>(["flow"], StringComparer.Ordinal);
        }

        return (new EventFilter(task, job, chosen, flow, jobStates is not null && job is null && chosen.Contains("job")), null);
    }

    public bool Matches(object feedEvent) => feedEvent switch
    {
        TaskEvent e => Types.Contains("task") && (TaskId is null || e.TaskId == TaskId),
        JobStarted e => Types.Contains("job") && (JobKey is null || e.Key == JobKey),
        JobStopped e => Types.Contains("job") && (JobKey is null || e.Key == JobKey),
        JobStateEvent e => Types.Contains("job") && (JobKey is null || e.Key == JobKey),
        ThunkEvent => Types.Contains("thunk"),
        TaskCircuitChanged => Types.Contains("task") && TaskId is null,
        FlowEvent e => Types.Contains("flow") && (FlowId is null || e.FlowId == FlowId),
        _ => false,
    };
}

/// <summary>A job's state changed (sent to clients watching that job's key).</summary>
public sealed record JobStateEvent(string Kind, string Key, long Version, object? State);
