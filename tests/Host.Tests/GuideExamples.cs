using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using Actors.Hosting;
using Actors.Tasks;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace Host.Tests;

/// <summary>The examples of docs/tasks.md, compiled and run as they are written there (keep the two in step).</summary>
public sealed class TasksGuideExamples
{
    public sealed record HashFolder(string Path);

    [Fact]
    public async Task The_submit_endpoint_of_the_tasks_guide_should_compile_and_answer_as_it_says()
    {
        var folder = Directory.CreateTempSubdirectory("actors-guide-");
        await File.WriteAllTextAsync(Path.Combine(folder.FullName, "a.txt"), "abc");
        var hashFolder = TaskDefinition.Create<HashFolder, IReadOnlyDictionary<string, string>>("files.hash", async (input, task) =>
            {
                var files = Directory.GetFiles(input.Path, "*", SearchOption.AllDirectories);
                var hashes = new Dictionary<string, string>();
                for (var i = 0; i < files.Length; i++)
                {
                    task.CancellationToken.ThrowIfCancellationRequested();       // cancel and timeouts fire it
                    await using var stream = File.OpenRead(files[i]);
                    hashes[files[i]] = Convert.ToHexString(await SHA256.HashDataAsync(stream, task.CancellationToken));
                    task.ReportProgress(100.0 * (i + 1) / files.Length, files[i]);   // cheap; events are throttled
                }
                return hashes;
            },
            TaskPresets.FileOperations.WithTimeout(TimeSpan.FromMinutes(10)))    // start from a category preset
            .WithDescription("SHA-256 of every file under a folder")
            .WithValidation<HashFolder>(h => Directory.Exists(h.Path) ? null : $"path '{h.Path}' does not exist");

        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Services.AddActors("app", (akka, _) => akka.WithTaskQueue(tasks => tasks.Add(hashFolder)));
        await using var app = builder.Build();

        // an endpoint (ITaskQueue comes from DI): answer now if quick, else hand back the task's id
        app.MapPost("/hashes", async (HashFolder input, ITaskQueue queue, CancellationToken ct) =>
            await queue.SubmitAsync("files.hash", input, priority: 8, wait: TimeSpan.FromSeconds(1),
                idempotencyKey: $"hash-{input.Path}", cancellationToken: ct) switch
            {
                SubmitCompleted done => Results.Ok(done.Record.Result),                     // finished within 1 s
                SubmitAccepted accepted => Results.Accepted($"/tasks/{accepted.TaskId}"),
                SubmitRejected { Kind: SubmitRejection.UnknownType } r => Results.NotFound(r.Reason),
                SubmitRejected { Kind: SubmitRejection.InvalidInput } r => Results.BadRequest(r.Reason),  // names the field at fault
                SubmitRejected { Kind: SubmitRejection.IdempotencyConflict } r => Results.UnprocessableEntity(r.Reason),
                SubmitRejected { Kind: SubmitRejection.QueueFull } => Results.StatusCode(429),
                SubmitRejected => Results.StatusCode(503),                                 // shutting down, or not stored
                _ => Results.StatusCode(500),
            });

        await app.StartAsync();
        using var http = new HttpClient { BaseAddress = new Uri(app.Urls.Single()) };
        var ok = await http.PostAsJsonAsync("/hashes", new HashFolder(folder.FullName));
        var missing = await http.PostAsJsonAsync("/hashes", new HashFolder(Path.Combine(folder.FullName, "nope")));

        Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        Assert.Contains("BA7816BF8F01CFEA414140DE5DAE2223B00361A396177A9CB410FF61F20015AD", await ok.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.BadRequest, missing.StatusCode);
        await app.StopAsync();
    }
}
