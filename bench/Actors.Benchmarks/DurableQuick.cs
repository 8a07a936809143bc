using System.Diagnostics;
using Actors.Tasks;
using Akka.Actor;
using Microsoft.Data.Sqlite;

namespace Actors.Benchmarks;

/// <summary>
/// The quick durability suite on SQLite: submits acknowledged after their write against raw batched
/// Microsoft.Data.Sqlite inserts of the same rows, and the time to recover 100,000 waiting tasks.
/// </summary>
internal static class DurableQuick
{
    private const int Submits = 50_000;
    private const int Recovered = 100_000;
    private const int EndToEnd = 50_000;

    public static async Task RunAsync(Figures figures)
    {
        var folder = Directory.CreateTempSubdirectory("actors-durable-bench-");
        try
        {
            var baseline = RawInsertRate(Path.Combine(folder.FullName, "raw.db"), Submits);
            var memory = await InQueue(null, WarmThenMeasureAsync);
            var enqueue = await InQueue(Path.Combine(folder.FullName, "enqueue.db"), WarmThenMeasureAsync);
            figures.Report("baseline.sqlite.batched.rate", baseline, "per_s");
            figures.Report("baseline.memory.enqueue.rate", memory, "per_s");
            figures.Report("durable.enqueue.rate", enqueue, "per_s");
            figures.Goal("durable.enqueue.rate", enqueue, ">= 20000", enqueue >= 20_000);

            // End to end: every accept, start and completion stored before it is acted on (three entries a task), as in
            // --quick peers. An attempt begins once its start is stored, written behind the end of the attempt before it in
            // its slot (which bounds re-runs after a crash), so with no-op tasks the rate is the concurrency limit per write
            // round trip: the goal's figure at a limit of 256, also at 64 and at the service's default of 16. A process's first 50,000 run at about half the rate (JIT, the SQL layer's first
            // statements): warmed up first.
            await PeersQuick.OursRateAsync(Path.Combine(folder.FullName, "warm.db"), EndToEnd, 256);
            var endToEnd = await PeersQuick.OursRateAsync(Path.Combine(folder.FullName, "end-to-end.db"), EndToEnd, 256);
            var endToEnd64 = await PeersQuick.OursRateAsync(Path.Combine(folder.FullName, "end-to-end-64.db"), EndToEnd, 64);
            var endToEnd16 = await PeersQuick.OursRateAsync(Path.Combine(folder.FullName, "end-to-end-16.db"), EndToEnd);
            var memoryEndToEnd = await PeersQuick.OursRateAsync(null, EndToEnd, 256);
            figures.Report("baseline.memory.end_to_end.rate", memoryEndToEnd, "per_s");
            figures.Report("durable.end_to_end.concurrency16.rate", endToEnd16, "per_s");
            figures.Report("durable.end_to_end.concurrency64.rate", endToEnd64, "per_s");
            figures.Report("durable.end_to_end.rate", endToEnd, "per_s");
            figures.Goal("durable.end_to_end.rate", endToEnd, ">= 20000", endToEnd >= 20_000);

            // One submit's latency at 1,000 a second, acknowledged once stored (the tasks run too: three writes each).
            var (p50, p99) = await InQueue(Path.Combine(folder.FullName, "latency.db"), async queue =>
            {
                await Measure.OpenLoopLatencyAsync(2_000, 1_000, () => queue.SubmitAsync("echo", 1));
                return await Measure.OpenLoopLatencyAsync(8_000, 1_000, () => queue.SubmitAsync("echo", 1));
            });
            figures.Report("durable.submit.p50_ms", p50, "ms");
            figures.Report("durable.submit.p99_ms", p99, "ms");

            var journal = Path.Combine(folder.FullName, "recovery.db");
            await InQueue(journal, queue => EnqueueRateAsync(queue, Recovered));
            // From the actor system's start until every task is back in the queue (its termination afterwards is not part of it).
            var watch = Stopwatch.StartNew();
            var (recovered, seconds) = await InQueue(journal, async queue =>
                ((await queue.ListAsync(limit: Recovered)).Count(r => !r.IsTerminal), watch.Elapsed.TotalSeconds));
            figures.Report("durable.recovery.tasks", recovered, "count");
            figures.Report("durable.recovery.100k_s", seconds, "s");
            figures.Goal("durable.recovery.100k_s", seconds, "<= 1", seconds <= 1 && recovered == Recovered);
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    /// <summary>A round of 5,000 submits to warm up (JIT, connections, tables), then the measured one.</summary>
    private static async Task<double> WarmThenMeasureAsync(ITaskQueue queue)
    {
        await EnqueueRateAsync(queue, 5_000);
        return await EnqueueRateAsync(queue, Submits);
    }

    /// <summary>Submits <paramref name="count"/> tasks at once (all in flight) and waits for every acknowledgement.</summary>
    private static async Task<double> EnqueueRateAsync(ITaskQueue queue, int count)
    {
        var watch = Stopwatch.StartNew();
        var replies = await Task.WhenAll(Enumerable.Range(0, count).Select(i => queue.SubmitAsync("parked", i)));
        var rate = count / watch.Elapsed.TotalSeconds;
        return replies.All(r => r is SubmitAccepted) ? rate : throw new InvalidOperationException("A submit was not accepted.");
    }

    /// <summary>A queue journaled to <paramref name="journal"/> (in memory if null): "parked" tasks never get to run (its single slot is held); "echo" tasks do.</summary>
    private static async Task<T> InQueue<T>(string? journal, Func<ITaskQueue, Task<T>> measure)
    {
        var gate = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        return await BenchSystems.InJournaledSystem(journal, async (system, persistence) =>
        {
            var queue = TaskQueue.Start(system,
            [
                TaskDefinition.Create<int, int>("parked", (_, ctx) => gate.Task.WaitAsync(ctx.CancellationToken), TaskPresets.Analysis.WithConcurrencyLimit(1).WithRetry(RetryPolicy.None)),
                TaskDefinition.Create<int, int>("echo", (n, _) => Task.FromResult(n), TaskPresets.Analysis.WithConcurrencyLimit(64)),
            ], TaskQueueSettings.Create(system) with { GlobalConcurrency = 64, KeepFinished = 10 }, persistence);
            return await measure(queue);
        });
    }

    /// <summary>The same number of rows, about the size of an accepted task's entry, in transactions of 100.</summary>
    private static double RawInsertRate(string path, int rows)
    {
        using var connection = new SqliteConnection($"Data Source={path}");
        connection.Open();
        using (var setup = connection.CreateCommand())
        {
            setup.CommandText = "PRAGMA journal_mode = WAL; CREATE TABLE entries (ordering INTEGER PRIMARY KEY, persistence_id TEXT, sequence_nr INTEGER, payload BLOB, manifest TEXT)";
            setup.ExecuteNonQuery();
        }

        var payload = new byte[220];
        var watch = Stopwatch.StartNew();
        for (var batch = 0; batch < rows; batch += 100)
        {
            using var transaction = connection.BeginTransaction();
            using var insert = connection.CreateCommand();
            insert.CommandText = "INSERT INTO entries (persistence_id, sequence_nr, payload, manifest) VALUES ('actors-tasks', $nr, $payload, 'task.accepted.v1')";
            var nr = insert.Parameters.Add("$nr", SqliteType.Integer);
            insert.Parameters.AddWithValue("$payload", payload);
            for (var i = batch; i < Math.Min(rows, batch + 100); i++)
            {
                nr.Value = i;
                insert.ExecuteNonQuery();
            }

            transaction.Commit();
        }

        return rows / watch.Elapsed.TotalSeconds;
    }
}
