using System.Collections.Concurrent;
using System.Net;
using Actors.TestSupport;
using Microsoft.Data.Sqlite;

namespace Host.Tests;

/// <summary>
/// The real service on its journal (SQLite, its default, or PostgreSQL), killed with SIGKILL at a random moment while 10,000
/// tasks are submitted and run: after a restart every acknowledged task completes, none is lost, and the
/// side effects show at most as many duplicates as tasks could be running at the kill.
/// </summary>
public abstract class CrashRecoveryScenarios
{
    private const int Tasks = 10_000;

    /// <summary>
    /// sqlite.bulk's concurrency limit. An attempt runs only once its start is stored, and its start is written
    /// behind the end of the attempt that held its slot before, so at most this many attempts are stored as
    /// running (ended or not) at the kill, and only those run again.
    /// </summary>
    private const int MaxRunningAtKill = 8;

    [Theory]
    [InlineData(1_500)]
    [InlineData(4_000)]
    [InlineData(9_000)]
    [Trait("Category", "Soak")]
    public async Task A_kill_9_should_lose_no_acknowledged_task(int killAfterMs)
    {
        var folder = Directory.CreateTempSubdirectory("actors-crash-");
        var ids = new ConcurrentDictionary<int, string>();
        var journal = await JournalEnvironmentAsync();
        await using (var first = await ServiceProcess.StartAsync(TimeSpan.FromSeconds(60), journal, workingDirectory: folder))
        {
            using var http = new HttpClient { BaseAddress = first.BaseAddress };
            var submitting = SubmitAllAsync(http, ids);
            await Task.Delay(killAfterMs);
            await first.KillAsync();
            try
            {
                await submitting;
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
                // The kill cut submissions off; those not acknowledged are submitted again after the restart.
            }
        }

        await using var second = await ServiceProcess.StartAsync(TimeSpan.FromSeconds(60), journal, workingDirectory: folder);
        using var again = new HttpClient { BaseAddress = second.BaseAddress, Timeout = TimeSpan.FromMinutes(2) };
        // As a load balancer would: submit once the recovered queue says it is ready.
        await Poll.UntilAsync(async () => (await again.GetAsync("/health/ready")).StatusCode, status => status == HttpStatusCode.OK, TimeSpan.FromSeconds(60));
        var acknowledgedBeforeKill = ids.Count;
        await SubmitAllAsync(again, ids);
        await WaitForAllCompletedAsync(again, ids.Values.ToHashSet());

        var effects = await SideEffectsAsync(Path.Combine(folder.FullName, "data", "bulk", "effects.db"));
        Assert.Equal(Tasks, ids.Values.Distinct().Count());
        Assert.All(ids.Values, id => Assert.True(effects.ContainsKey(id), $"{id} left no side effect"));
        var duplicates = effects.Values.Sum(n => n - 1);
        Assert.True(duplicates <= MaxRunningAtKill, $"{duplicates} duplicated side effects (kill after {killAfterMs} ms, {acknowledgedBeforeKill} acknowledged before it)");
        Assert.Equal(0, await second.TerminateAsync(TimeSpan.FromSeconds(60)));
    }

    /// <summary>The environment that points the service at its journal.</summary>
    protected abstract Task<IReadOnlyDictionary<string, string>> JournalEnvironmentAsync();

    /// <summary>Submits every task not yet acknowledged, each under its own idempotency key, from 16 connections.</summary>
    private static Task SubmitAllAsync(HttpClient http, ConcurrentDictionary<int, string> ids) =>
        Parallel.ForEachAsync(Enumerable.Range(0, Tasks).Where(i => !ids.ContainsKey(i)), new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (i, ct) =>
        {
            var request = new HttpRequestMessage(HttpMethod.Post, "/api/tasks/sqlite.bulk") { Content = Json.Body("""{ "input": { "rows": 1, "database": "effects" } }""") };
            request.Headers.Add("Idempotency-Key", $"effect-{i}");
            var response = await http.SendAsync(request, ct);

            // 200: a resubmit of a task that was stored (and has already run) before the kill.
            Assert.Contains(response.StatusCode, new[] { HttpStatusCode.Accepted, HttpStatusCode.OK });
            ids[i] = (await response.ReadJsonAsync()).Text("id");
        });

    private static async Task WaitForAllCompletedAsync(HttpClient http, IReadOnlySet<string> ids)
    {
        var deadline = DateTime.UtcNow.AddMinutes(4);
        while (DateTime.UtcNow < deadline)
        {
            var completed = (await (await http.GetAsync($"/api/tasks?status=completed&limit={Tasks}")).ReadJsonAsync()).EnumerateArray().Select(t => t.Text("id")).ToHashSet();
            if (ids.All(completed.Contains))
            {
                return;
            }

            // Polling (each read lists up to 10,000 records): observable state, like AwaitAssert.
            await Task.Delay(TimeSpan.FromMilliseconds(500));
        }

        Assert.Fail("Not every acknowledged task completed within 4 minutes.");
    }

    /// <summary>How many rows each task id left in the side-effect table.</summary>
    private static async Task<Dictionary<string, int>> SideEffectsAsync(string database)
    {
        await using var connection = new SqliteConnection($"Data Source={database};Mode=ReadOnly");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT task_id, COUNT(*) FROM generated_rows GROUP BY task_id";
        var effects = new Dictionary<string, int>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            effects[reader.GetString(0)] = reader.GetInt32(1);
        }

        return effects;
    }
}

public sealed class SqliteCrashRecoverySpecs : CrashRecoveryScenarios
{
    protected override Task<IReadOnlyDictionary<string, string>> JournalEnvironmentAsync() =>
        Task.FromResult<IReadOnlyDictionary<string, string>>(new Dictionary<string, string>());
}

public sealed class PostgreSqlCrashRecoverySpecs(PostgresServer server) : CrashRecoveryScenarios, IClassFixture<PostgresServer>
{
    protected override async Task<IReadOnlyDictionary<string, string>> JournalEnvironmentAsync() => Journal.PostgreSql(await server.NewDatabaseAsync());
}

/// <summary>The environment of a service journaled to PostgreSQL.</summary>
internal static class Journal
{
    public static IReadOnlyDictionary<string, string> PostgreSql(string connectionString) => new Dictionary<string, string>
    {
        ["Durability__Provider"] = "postgresql",
        ["Durability__ConnectionString"] = connectionString,
    };
}
