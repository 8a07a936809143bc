using System.Diagnostics;
using Actors.Tasks;
using Akka.Actor;
using Hangfire;
using Hangfire.InMemory;
using Hangfire.Storage.SQLite;

namespace Actors.Benchmarks;

/// <summary>
/// Side by side with what users would pick instead, in the same process, on the same no-op work, through public APIs, end
/// to end (from the first enqueue to the last job's completion). docs/performance.md says exactly what each side does.
/// </summary>
internal static class PeersQuick
{
    private const int MemoryJobs = 20_000;
    private const int SqliteJobs = 400;
    private const int SqliteTasks = 20_000;
    private const int Rounds = 3;

    public static async Task RunAsync(Figures figures)
    {
        var folder = Directory.CreateTempSubdirectory("actors-peers-bench-");
        try
        {
            // Warm-ups of each side first, at full size (JIT, storage set-up: a process's first 300,000 tasks run at
            // a third to two thirds of the rate of the next), then three rounds of each, alternating, and the median of each side.
            for (var warmUp = 0; warmUp < 3; warmUp++)
            {
                HangfireRate(new InMemoryStorage(), MemoryJobs);
                await OursRateAsync(null, MemoryJobs * 5);
            }

            var (hangfireMemory, oursMemory) = await Measure.CompareSelfTimedAsync(Rounds,
                _ => Task.FromResult(HangfireRate(new InMemoryStorage(), MemoryJobs)), _ => OursRateAsync(null, MemoryJobs * 5));
            figures.Report("peers.hangfire.memory.rate", hangfireMemory, "jobs/s");
            figures.Report("peers.ours.memory.rate", oursMemory, "tasks/s");
            var memoryRatio = oursMemory / hangfireMemory;
            figures.Ratio("peers.memory.ratio", memoryRatio, ">= 10", memoryRatio >= 10);

            HangfireRate(SqliteStorage(Path.Combine(folder.FullName, "hangfire-warm.db")), SqliteJobs / 4);
            await OursRateAsync(Path.Combine(folder.FullName, "warm.db"), SqliteTasks);
            var (hangfireSqlite, oursSqlite) = await Measure.CompareSelfTimedAsync(Rounds,
                round => Task.FromResult(HangfireRate(SqliteStorage(Path.Combine(folder.FullName, $"hangfire-{round}.db")), SqliteJobs)),
                round => OursRateAsync(Path.Combine(folder.FullName, $"ours-{round}.db"), SqliteTasks));
            figures.Report("peers.hangfire.sqlite.rate", hangfireSqlite, "jobs/s");
            figures.Report("peers.ours.sqlite.rate", oursSqlite, "tasks/s");
            var sqliteRatio = oursSqlite / hangfireSqlite;
            figures.Ratio("peers.sqlite.ratio", sqliteRatio, ">= 50", sqliteRatio >= 50);

            await PeersOrleans.RunAsync(figures);
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    /// <summary>
    /// Hangfire's SQLite storage as its README sets it up, but polling its queue every 50 ms rather than every 15 s (its
    /// default would make the rate a measure of the poll interval; 1, 10 and 200 ms gave 79 to 118 jobs/s here, no faster).
    /// </summary>
    private static SQLiteStorage SqliteStorage(string path) => new(path, new SQLiteStorageOptions { QueuePollInterval = TimeSpan.FromMilliseconds(50) });

    /// <summary>
    /// <paramref name="jobs"/> no-op jobs enqueued with <see cref="BackgroundJobClient.Enqueue"/> into <paramref name="storage"/>
    /// and run by a <see cref="BackgroundJobServer"/> with its default worker count; jobs per second until the last has run.
    /// The storage is disposed afterwards.
    /// </summary>
    private static double HangfireRate(JobStorage storage, int jobs)
    {
        HangfireNoop.Expect(jobs);
        var client = new BackgroundJobClient(storage);
        // The storage is disposed after its round, as our side terminates its actor system after each of its own: left
        // alive, each round's storage kept its jobs (and its dispatcher thread) for the rest of the process.
        using (storage as IDisposable)
        using (new BackgroundJobServer(new BackgroundJobServerOptions(), storage))
        {
            // Timed from the first enqueue, as ours is: the server's start is left out.
            var watch = Stopwatch.StartNew();
            for (var i = 0; i < jobs; i++)
            {
                client.Enqueue(() => HangfireNoop.Run(i));
            }

            if (!HangfireNoop.Wait(TimeSpan.FromMinutes(2)))
            {
                throw new TimeoutException($"Hangfire ran {jobs - HangfireNoop.Remaining} of {jobs} jobs in 2 minutes.");
            }

            var seconds = watch.Elapsed.TotalSeconds;
            return jobs / seconds;
        }
    }

    /// <summary>
    /// <paramref name="tasks"/> no-op tasks submitted with <see cref="ITaskQueue.SubmitAsync"/> to our queue (journaled to
    /// <paramref name="journal"/> if set: every acceptance stored before it is acknowledged, every start before its handler
    /// begins, every end before its slot is reused), with
    /// the service's default global concurrency (16); tasks per second until the last has completed.
    /// </summary>
    internal static Task<double> OursRateAsync(string? journal, int tasks, int concurrency = 16)
    {
        return BenchSystems.InJournaledSystem(journal, async (system, persistence) =>
        {
            var queue = TaskQueue.Start(system, [TaskDefinition.Create<int, int>("noop", (n, _) => Task.FromResult(n), TaskPresets.Analysis.WithConcurrencyLimit(concurrency))],
                TaskQueueSettings.Create(system) with { GlobalConcurrency = concurrency, Capacity = tasks + 10, KeepFinished = 1_000 }, persistence);
            var done = new CountdownEvent(tasks);
            system.EventStream.Subscribe(system.ActorOf(Props.Create(() => new Countdown(done))), typeof(TaskCompleted));
            var watch = Stopwatch.StartNew();
            var replies = await Task.WhenAll(Enumerable.Range(0, tasks).Select(i => queue.SubmitAsync("noop", i)));
            if (replies.Any(r => r is SubmitRejected))
            {
                throw new InvalidOperationException("A submit was rejected.");
            }

            if (!await Task.Run(() => done.Wait(TimeSpan.FromMinutes(2))))
            {
                throw new TimeoutException($"{done.CurrentCount} of {tasks} tasks had not completed after 2 minutes.");
            }

            return tasks / watch.Elapsed.TotalSeconds;
        }, snapshotInterval: 10_000);
    }

    private sealed class Countdown(CountdownEvent done) : UntypedActor
    {
        protected override void OnReceive(object message) => done.Signal();
    }
}

/// <summary>The no-op job Hangfire runs (public and static: Hangfire finds it by name when it deserializes a job).</summary>
public static class HangfireNoop
{
    private static CountdownEvent s_remaining = new(0);

    /// <summary>Jobs not yet run.</summary>
    public static int Remaining => s_remaining.CurrentCount;

    /// <summary>The job: counts itself done.</summary>
    public static void Run(int n)
    {
        _ = n;
        s_remaining.Signal();
    }

    internal static void Expect(int jobs) => s_remaining = new CountdownEvent(jobs);

    internal static bool Wait(TimeSpan timeout) => s_remaining.Wait(timeout);
}
