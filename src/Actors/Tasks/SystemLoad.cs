using System.Diagnostics;

namespace Actors.Tasks;

/// <summary>
/// The load of this process, as the task queue's load shedding reads it (<see cref="TaskQueueSettings.LoadShedding"/>): the
/// larger of the thread pool's queue (against 100 waiting items per core) and the process's CPU use since the last sample
/// (against 95 % of every core). 1 or more is overloaded.
/// </summary>
public sealed class SystemLoad
{
    private const double QueuedItemsPerCore = 100;
    private const double BusyCpu = 0.95;
    private readonly Lock _sampling = new();
    private TimeSpan _lastCpu = Process.GetCurrentProcess().TotalProcessorTime;
    private long _lastAt = Stopwatch.GetTimestamp();

    /// <summary>The process's one instance.</summary>
    public static SystemLoad Instance { get; } = new();

    /// <summary>Samples the load now.</summary>
    public static double Sample() => Instance.Read();

    private double Read()
    {
        var queue = ThreadPool.PendingWorkItemCount / (QueuedItemsPerCore * Environment.ProcessorCount);
        lock (_sampling)
        {
            var cpu = Process.GetCurrentProcess().TotalProcessorTime;
            var now = Stopwatch.GetTimestamp();
            var wall = Stopwatch.GetElapsedTime(_lastAt, now);
            var used = wall > TimeSpan.Zero ? (cpu - _lastCpu) / (wall * Environment.ProcessorCount) : 0;
            (_lastCpu, _lastAt) = (cpu, now);
            return Math.Max(queue, used / BusyCpu);
        }
    }
}
