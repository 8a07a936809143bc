using System.Reflection;
using System.Net;

namespace Host.Tests;

public sealed class ServiceLifecycleSpecs
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task The_service_should_answer_health_and_exit_0_after_a_graceful_shutdown_on_SIGTERM()
    {
        await using var service = await ServiceProcess.StartAsync(Patience);
        using var http = new HttpClient { BaseAddress = service.BaseAddress };
        // Listening comes before the queue has read its journal; until then /health may say Degraded (no answer yet).
        await Poll.UntilAsync(() => http.GetAsync("/health/ready"), ready => ready.StatusCode == HttpStatusCode.OK, Patience, TimeSpan.FromMilliseconds(100));

        var health = await http.GetAsync("/health");
        var body = await health.Content.ReadAsStringAsync();
        var exitCode = await service.TerminateAsync(Patience);

        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        Assert.Equal("Healthy", System.Text.Json.JsonDocument.Parse(body).RootElement.GetProperty("status").GetString());
        Assert.Equal(0, exitCode);
        Assert.Contains("CoordinatedShutdown invoked", service.Output);
        Assert.Contains("Application is shutting down", service.Output);
    }

    [Fact]
    public async Task Akka_log_events_should_be_written_by_Serilog_in_the_service_format()
    {
        await using var service = await ServiceProcess.StartAsync(Patience);
        await Poll.UntilAsync(() => Task.FromResult(service.Output), output => output.Contains("Task queue restored"), Patience);
        Assert.Equal(0, await service.TerminateAsync(Patience));

        // The same template as ASP.NET Core's lines, with the actor's class as the source (Akka.Logger.Serilog's SourceContext).
        Assert.Matches(@"\[\d\d:\d\d:\d\d\.\d{3} INF\] Actors\.Tasks\.TaskQueueActor: Task queue restored", service.Output);
        Assert.Matches(@"\[\d\d:\d\d:\d\d\.\d{3} INF\] Microsoft\.Hosting\.Lifetime: Now listening on", service.Output);
    }

    [Fact]
    public async Task Akka_log_events_should_be_compact_JSON_like_every_other_line_when_JSON_logging_is_on()
    {
        await using var service = await ServiceProcess.StartAsync(Patience, new Dictionary<string, string> { ["Logging__Json"] = "true" });
        await Poll.UntilAsync(() => Task.FromResult(service.Output), output => output.Contains("Task queue restored"), Patience);
        Assert.Equal(0, await service.TerminateAsync(Patience));

        var akkaLine = service.Output.Split('\n').First(line => line.Contains("Task queue restored"));
        using var json = System.Text.Json.JsonDocument.Parse(akkaLine);
        Assert.Equal("Actors.Tasks.TaskQueueActor", json.RootElement.GetProperty("SourceContext").GetString());
        Assert.True(json.RootElement.TryGetProperty("ActorPath", out _), akkaLine);
    }

    [Fact]
    public async Task The_service_should_listen_only_on_loopback_by_default()
    {
        await using var service = await ServiceProcess.StartAsync(Patience);

        Assert.Equal("127.0.0.1", service.BaseAddress.Host);
        Assert.Contains($"Now listening on: {service.BaseAddress.ToString().TrimEnd('/')}", service.Output);
        Assert.Equal(0, await service.TerminateAsync(Patience));
    }
}

public sealed class WorkingDirectorySpecs
{
    [Fact]
    public async Task Dotnet_run_should_keep_data_and_files_where_the_user_ran_it_and_say_where_they_are()
    {
        var folder = Directory.CreateTempSubdirectory("actors-run-");
        var project = Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, "..", "..", "..", "..", "..", "src", "Host", "Host.csproj"));
        var configuration = typeof(WorkingDirectorySpecs).Assembly.GetCustomAttribute<System.Reflection.AssemblyConfigurationAttribute>()!.Configuration;
        var port = ServiceProcess.FreePort();
        var start = new System.Diagnostics.ProcessStartInfo("dotnet") { WorkingDirectory = folder.FullName, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in new[] { "run", "--no-build", "-c", configuration, "--project", project, "--", "--urls", $"http://127.0.0.1:{port}" })
        {
            start.ArgumentList.Add(argument);
        }

        using var process = System.Diagnostics.Process.Start(start)!;
        var output = new System.Text.StringBuilder();
        var listening = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        process.OutputDataReceived += (_, e) =>
        {
            lock (output)
            {
                output.AppendLine(e.Data);
            }

            if (e.Data?.Contains("Now listening on", StringComparison.Ordinal) == true)
            {
                listening.TrySetResult();
            }
        };
        process.BeginOutputReadLine();
        try
        {
            await listening.Task.WaitAsync(TimeSpan.FromSeconds(60));
            string log;
            lock (output)
            {
                log = output.ToString();
            }

            Assert.True(File.Exists(Path.Combine(folder.FullName, "data", "journal.db")), log);
            Assert.Contains($"Files root {folder.FullName}", log);
            Assert.Contains($"journal sqlite {Path.Combine(folder.FullName, "data", "journal.db")}", log);
        }
        finally
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }
    }
}

public sealed class GracefulShutdownSpecs
{
    private static readonly TimeSpan Grace = TimeSpan.FromSeconds(3);

    [Fact]
    public async Task SIGTERM_with_tasks_running_should_drain_and_exit_0_within_the_grace_period_plus_5_s()
    {
        await using var service = await ServiceProcess.StartAsync(TimeSpan.FromSeconds(60), new Dictionary<string, string> { ["Service__ShutdownGraceSeconds"] = "3" });
        using var http = new HttpClient { BaseAddress = service.BaseAddress };
        var ids = new List<string>();
        for (var i = 0; i < 4; i++)
        {
            ids.Add((await (await http.PostJsonAsync("/api/tasks/compute.primes", """{ "input": { "below": 2000000000 } }""")).ReadJsonAsync()).Text("id"));
        }

        await Poll.UntilAsync(async () => (await (await http.GetAsync($"/api/tasks/{ids[0]}")).ReadJsonAsync()).Text("status"), status => status == "running");
        var watch = System.Diagnostics.Stopwatch.StartNew();
        var exitCode = await service.TerminateAsync(Grace + TimeSpan.FromSeconds(30));

        Assert.Equal(0, exitCode);
        Assert.True(watch.Elapsed <= Grace + TimeSpan.FromSeconds(5), $"took {watch.Elapsed.TotalSeconds:0.0} s");
        Assert.Contains("CoordinatedShutdown invoked", service.Output);
    }
}
