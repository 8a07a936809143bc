using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Actors.Host;
using Actors.Host.BuiltIn;
using Microsoft.AspNetCore.Http;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Configuration;

namespace Host.Tests;

/// <summary>Exposure decided from what Kestrel bound, against the real process.</summary>
public sealed class ExposureSpecs
{
    [Fact]
    public async Task Bound_beyond_loopback_through_Kestrels_own_configuration_without_a_key_the_service_should_serve_nothing_and_exit_1()
    {
        var port = ServiceProcess.FreePort();
        await using var service = await ServiceProcess.StartAsync(TimeSpan.FromSeconds(60),
            new Dictionary<string, string> { ["Kestrel__Endpoints__Http__Url"] = $"http://0.0.0.0:{port}" });
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };

        var answer = await TryGetAsync(http, "/api/task-types");
        var exitCode = await service.WaitForExitAsync(TimeSpan.FromSeconds(30));

        Assert.NotEqual(HttpStatusCode.OK, answer);
        Assert.Equal(1, exitCode);
        Assert.Contains($"The service listens on http://0.0.0.0:{port}, beyond loopback, without an API key", service.Output);
    }

    [Fact]
    public async Task Bound_beyond_loopback_through_Kestrels_own_configuration_with_a_key_every_api_call_should_need_it()
    {
        var port = ServiceProcess.FreePort();
        await using var service = await ServiceProcess.StartAsync(TimeSpan.FromSeconds(60),
            new Dictionary<string, string> { ["Kestrel__Endpoints__Http__Url"] = $"http://0.0.0.0:{port}", ["Service__ApiKey"] = "k3y" });
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };

        var without = await http.GetAsync("/api/task-types");
        var with = await http.SendAsync(new HttpRequestMessage(HttpMethod.Get, "/api/task-types") { Headers = { { "X-Api-Key", "k3y" } } });

        Assert.Equal(HttpStatusCode.Unauthorized, without.StatusCode);
        Assert.Equal(HttpStatusCode.OK, with.StatusCode);
        Assert.Equal(0, await service.TerminateAsync(TimeSpan.FromSeconds(30)));
    }

    private static async Task<HttpStatusCode?> TryGetAsync(HttpClient http, string path)
    {
        try
        {
            return (await http.GetAsync(path)).StatusCode;
        }
        catch (HttpRequestException)
        {
            return null; // already gone
        }
    }
}

/// <summary>File tasks stay under the files root, links followed as the operating system follows them.</summary>
public sealed class FilesRootSpecs : ApiSpec
{
    [Theory]
    [InlineData("files.hash")]
    [InlineData("files.scan")]
    [InlineData("code.analyze")]
    public async Task A_path_through_a_link_that_leads_outside_the_root_should_be_refused(string type)
    {
        var outside = Directory.CreateTempSubdirectory("actors-outside-");
        Directory.CreateDirectory(Path.Combine(outside.FullName, "ssl"));
        await File.WriteAllTextAsync(Path.Combine(outside.FullName, "ssl", "secret.cs"), "class Secret {}");
        Directory.CreateSymbolicLink(Path.Combine(Service.Root.FullName, "etc-link"), outside.FullName);
        Directory.CreateSymbolicLink(Path.Combine(Service.Root.FullName, "root-link"), "/");
        Directory.CreateDirectory(Path.Combine(Service.Root.FullName, "inside"));
        Directory.CreateSymbolicLink(Path.Combine(Service.Root.FullName, "inside", "up"), Path.Combine("..", ".."));

        foreach (var path in new[] { "etc-link", "etc-link/ssl", $"root-link{outside.FullName}", $"inside/up/{outside.Name}", outside.FullName })
        {
            var response = await Http.PostJsonAsync($"/api/tasks/{type}", JsonSerializer.Serialize(new { input = new { path }, waitMs = 5000 }));
            var problem = await response.ReadJsonAsync();

            Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{path}: {response.StatusCode}");
            Assert.Contains("must lie under the files root", problem.Text("detail"));
        }
    }

    [Fact]
    public async Task A_link_that_stays_inside_the_root_should_be_followed()
    {
        Directory.CreateDirectory(Path.Combine(Service.Root.FullName, "real", "deep"));
        await File.WriteAllTextAsync(Path.Combine(Service.Root.FullName, "real", "deep", "a.txt"), "abc");
        Directory.CreateSymbolicLink(Path.Combine(Service.Root.FullName, "alias"), Path.Combine(Service.Root.FullName, "real"));

        var task = await (await Http.PostJsonAsync("/api/tasks/files.hash", """{ "input": { "path": "alias/deep" }, "waitMs": 10000 }""")).ReadJsonAsync();

        Assert.Equal("completed", task.Text("status"));
        Assert.Equal(Path.Combine("real", "deep", "a.txt"), task.GetProperty("result").GetProperty("hashes")[0].Text("path"));
    }
}

/// <summary>sqlite.bulk never touches the journal, and can run again.</summary>
public sealed class SqliteBulkIsolationSpecs : ApiSpec
{
    [Theory]
    [InlineData("journal")]
    [InlineData("journal.db")]
    [InlineData("journal-wal")]
    public async Task A_database_named_like_the_journal_should_be_a_file_of_the_bulk_folder(string name)
    {
        var task = await (await Http.PostJsonAsync("/api/tasks/sqlite.bulk", JsonSerializer.Serialize(new { input = new { rows = 10, database = name }, waitMs = 20000 }))).ReadJsonAsync();

        Assert.Equal("completed", task.Text("status"));
        var data = Path.Combine(Service.Root.FullName, "data");
        Assert.True(File.Exists(Path.Combine(data, "bulk", name.EndsWith(".db", StringComparison.Ordinal) ? name : name + ".db")));
        Assert.False(await HasTableAsync(Path.Combine(data, "journal.db"), "generated_rows"));
    }

    [Fact]
    public void A_journal_configured_inside_the_bulk_folder_should_be_refused_at_start()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["Durability:ConnectionString"] = "data/bulk/journal.db" }).Build();

        var error = Assert.Throws<InvalidOperationException>(() => DurabilityOptions.From(configuration, new ServiceOptions()));

        Assert.Contains("where sqlite.bulk writes its databases", error.Message);
    }

    [Fact]
    public async Task An_attempt_after_a_cut_off_one_should_add_only_the_rows_that_are_missing()
    {
        var definition = SqliteBulkTask.Create(Path.Combine(Service.Root.FullName, "data"));
        var input = new SqliteBulkInput(50_000, BatchSize: 1_000, Database: "rerun");
        using var cutOff = new CancellationTokenSource();
        var first = new HandlerContext("task-1", 1, cutOff.Token, percent =>
        {
            if (percent >= 40)
            {
                cutOff.Cancel(); // as the shutdown grace ending would
            }
        });

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => definition.InvokeAsync(input, first));
        var second = (BulkResult)(await definition.InvokeAsync(input, new HandlerContext("task-1", 2, CancellationToken.None, _ => { })))!;

        Assert.InRange(second.RowsFromEarlierAttempts, 20_000, 49_000);
        Assert.Equal(50_000, second.RowsInTable);
    }

    private static async Task<bool> HasTableAsync(string database, string table)
    {
        await using var connection = new SqliteConnection($"Data Source={database};Mode=ReadOnly");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = $name";
        command.Parameters.AddWithValue("$name", table);
        return (long)(await command.ExecuteScalarAsync())! > 0;
    }
}

/// <summary>http.fetch does not reach the service's machine or internal networks.</summary>
public sealed class HttpFetchGuardSpecs() : ApiSpecWith(new Dictionary<string, string?> { ["Service:HttpFetch:AllowPrivateNetworks"] = "false" })
{
    [Theory]
    [InlineData("http://127.0.0.1:5080/api/tasks")]
    [InlineData("http://2130706433/")]
    [InlineData("http://0x7f000001/")]
    [InlineData("http://[::1]/")]
    [InlineData("http://169.254.169.254/latest/meta-data/")]
    [InlineData("http://10.0.0.1/")]
    [InlineData("http://192.168.1.1/")]
    [InlineData("http://0.0.0.0/")]
    [InlineData("http://user:pass@example.com/")]
    public async Task A_url_naming_an_internal_address_or_carrying_credentials_should_be_refused_with_400(string url)
    {
        var response = await Http.PostJsonAsync("/api/tasks/http.fetch", JsonSerializer.Serialize(new { input = new { url } }));
        var problem = await response.ReadJsonAsync();

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("input", problem.Text("field"));
    }

    [Fact]
    public async Task A_name_that_resolves_to_loopback_should_fail_at_once_as_user_actionable_without_retries()
    {
        await using var upstream = await Upstream.StartAsync(context => context.Response.WriteAsync("secret"));
        var url = upstream.Urls.Single().Replace("127.0.0.1", "localhost", StringComparison.Ordinal);

        var task = await (await Http.PostJsonAsync("/api/tasks/http.fetch", JsonSerializer.Serialize(new { input = new { url }, waitMs = 20000 }))).ReadJsonAsync();

        Assert.Equal("failed", task.Text("status"));
        Assert.Equal(1, task.GetProperty("attempts").GetInt32());
        Assert.Equal("userActionable", task.GetProperty("error").Text("class"));
        Assert.Contains("internal address", task.GetProperty("error").Text("message"));
    }

    [Fact]
    public async Task A_redirect_to_a_refused_address_should_not_be_followed()
    {
        // 127.0.0.1 stands for a public host; 127.0.0.2 for an internal one (both are loopback on Linux).
        await using var inside = await Upstream.StartAsync(context => context.Response.WriteAsync("secret"), "127.0.0.2");
        var hits = 0;
        await using var outside = await Upstream.StartAsync(context =>
        {
            Interlocked.Increment(ref hits);
            context.Response.Redirect(inside.Urls.Single() + "/metadata");
            return Task.CompletedTask;
        });
        var guard = new NetworkGuard(address => address.Equals(IPAddress.Loopback));
        var definition = HttpFetchTask.Create(guard, new HttpFetchOptions());

        var error = await Assert.ThrowsAsync<Actors.Tasks.UserActionableTaskException>(() =>
            definition.InvokeAsync(new HttpFetchInput(outside.Urls.Single() + "/start"), new HandlerContext("task-1", 1, CancellationToken.None, _ => { })));

        Assert.Equal(1, hits);
        Assert.Contains("127.0.0.2", error.Message);
    }
}
