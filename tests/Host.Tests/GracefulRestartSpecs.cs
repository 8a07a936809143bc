using System.Collections.Concurrent;
using Actors.TestSupport;
using System.Diagnostics;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;

namespace Host.Tests;

/// <summary>The real service (on SQLite, then PostgreSQL), SIGTERM with 100 tasks running and 1,000 waiting, then a restart: nothing is lost.</summary>
public abstract class GracefulRestartScenarios
{
    private const int Running = 100;
    private const int Waiting = 1_000;
    private static readonly TimeSpan Grace = TimeSpan.FromSeconds(3);

    /// <summary>The environment that points the service at its journal.</summary>
    protected abstract Task<IReadOnlyDictionary<string, string>> JournalEnvironmentAsync();

    [Fact]
    public async Task SIGTERM_with_tasks_running_and_waiting_should_exit_in_time_and_lose_nothing_after_a_restart()
    {
        await using var upstream = await HeldUpstream.StartAsync();
        var url = $"{upstream.Url}/data";
        var folder = Directory.CreateTempSubdirectory("actors-restart-");
        var environment = new Dictionary<string, string>(await JournalEnvironmentAsync())
        {
            ["Service__ShutdownGraceSeconds"] = "3",
            ["Service__TaskConcurrency"] = $"{Running}",
            ["Service__TaskTypeConcurrency__http.fetch"] = $"{Running}",
            ["Service__HttpFetch__AllowPrivateNetworks"] = "true",
            // 100 fetches of one host at once: its adaptive limit and start rate would (rightly) hold most back.
            ["Service__HttpFetch__AdaptivePerHost"] = "false",
            ["Service__HttpFetch__PerHostRatePerSecond"] = "0",
        };

        var ids = new ConcurrentBag<string>();
        await using (var first = await ServiceProcess.StartAsync(TimeSpan.FromSeconds(60), environment, workingDirectory: folder))
        {
            using var http = new HttpClient { BaseAddress = first.BaseAddress };
            await Parallel.ForEachAsync(Enumerable.Range(0, Running + Waiting), new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (_, ct) =>
            {
                var response = await http.PostJsonAsync("/api/tasks/http.fetch", $$"""{ "input": { "url": "{{url}}" } }""");
                Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
                ids.Add((await response.ReadJsonAsync()).Text("id"));
            });
            await Poll.UntilAsync(() => Task.FromResult(upstream.Arrived), n => n >= Running);
            var running = (await (await http.GetAsync("/api/tasks?status=running&limit=10000")).ReadJsonAsync()).GetArrayLength();
            Assert.Equal(Running, running);

            var watch = Stopwatch.StartNew();
            Assert.Equal(0, await first.TerminateAsync(TimeSpan.FromSeconds(60)));
            Assert.True(watch.Elapsed <= Grace + TimeSpan.FromSeconds(5), $"took {watch.Elapsed.TotalSeconds:0.0} s");
        }

        upstream.Release();
        await using var second = await ServiceProcess.StartAsync(TimeSpan.FromSeconds(60), environment, workingDirectory: folder);
        using var again = new HttpClient { BaseAddress = second.BaseAddress };
        var completed = await Poll.UntilAsync(
            async () => (await (await again.GetAsync("/api/tasks?status=completed&limit=10000")).ReadJsonAsync()).EnumerateArray().Select(t => t.Text("id")).ToHashSet(),
            done => ids.All(done.Contains), TimeSpan.FromSeconds(60));

        Assert.All(ids, id => Assert.Contains(id, completed));
        Assert.Equal(Running + Waiting, ids.Count);
        Assert.Equal(0, await second.TerminateAsync(TimeSpan.FromSeconds(60)));
    }
}

public sealed class SqliteGracefulRestartSpecs : GracefulRestartScenarios
{
    protected override Task<IReadOnlyDictionary<string, string>> JournalEnvironmentAsync() =>
        Task.FromResult<IReadOnlyDictionary<string, string>>(new Dictionary<string, string>());
}

public sealed class PostgreSqlGracefulRestartSpecs(PostgresServer server) : GracefulRestartScenarios, IClassFixture<PostgresServer>
{
    protected override async Task<IReadOnlyDictionary<string, string>> JournalEnvironmentAsync() => Journal.PostgreSql(await server.NewDatabaseAsync());
}
