using Actors.Hosting;
using Actors.Jobs;
using Actors.Compute;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace Docs.Tests.Readme;

// The examples of README.md, as they are written there (DocExamplesSpecs checks that they are).
public static class ReadmeExamples
{
    public static void Embedding(WebApplicationBuilder builder, WebApplication app)
    {
builder.Services.AddActors("app", (akka, _) => akka
    .WithJobManager<CompletionState, CompletionAction>("completion"));

app.MapPost("/pages/{id}/complete", async (string id, IJobManager<CompletionState, CompletionAction> jobs) =>
    await jobs.RunJobAsync(id, () => new CompletionJob(id)) is JobCreated ? Results.Accepted() : Results.Ok("already running"));
    }

    public static async Task WatchingAsync(IJobManager<CompletionState, CompletionAction> jobs, string pageId, CancellationToken ct)
    {
var job = await jobs.GetRunningJobAsync(pageId);               // null when none runs
await foreach (var change in job!.WatchAsync(ct))               // current state first, then each change
    Console.WriteLine($"v{change.Version}: {change.State}");
var stopped = await job.Completion;                             // Completed, Stopped or Failed (with the error)
        Console.WriteLine(stopped);
    }

    public static async Task ComputingAsync(IComputePool pool, string[] files, int[] inputs, Strategy[] strategies, CancellationToken ct)
    {
var units = WorkUnit.CreateMany(files, static path => Checksum(path));   // a function and its input, per unit
var sums = await pool.AllAsync(units, cancellationToken: ct);           // results in input order, on every core
await foreach (var done in pool.Stream(WorkUnit.CreateMany(inputs, static x => Render(x))))
    Console.WriteLine(done.Result);                                      // as each finishes
var fastest = await pool.RaceAsync(strategies.Select(x => WorkUnit.Create(static s => s.Solve(), x)));
var roots = await pool.ForAsync(1_000_000, static i => Math.Sqrt(i));     // Parallel.For on the pool: by index, in slices
        Console.WriteLine((sums, fastest, roots));
    }

    private static long Checksum(string path) => path.Length;

    private static string Render(int x) => x.ToString(System.Globalization.CultureInfo.InvariantCulture);

    public sealed record Strategy(int Depth)
    {
        public int Solve() => Depth * 2;
    }
}

public sealed record CompletionState(string Status, int Tokens);
public sealed record CompletionAction(string Hint);

public sealed class CompletionJob(string pageId) : Job<CompletionState, CompletionAction>(new("idle", 0))
{
    protected override async Task RunAsync(CancellationToken cancellationToken)
    {
        SetState(State with { Status = "streaming" });          // every change gets the next version
        for (var i = 0; i < 100; i++)
        {
            await Task.Delay(20, cancellationToken);               // the token fires on StopAsync
            SetState(State with { Tokens = State.Tokens + 1 });
        }
    }

    protected override Task HandleAsync(CompletionAction action, CancellationToken cancellationToken)
    {
        SetState(State with { Status = $"steered: {action.Hint}" }); // one action at a time, in order
        return Task.CompletedTask;
    }

    public override string ToString() => pageId;
}
