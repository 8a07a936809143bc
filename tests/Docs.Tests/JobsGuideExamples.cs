using System.Collections.Immutable;
using Actors.Hosting;
using Actors.Jobs;
using Akka.Actor;
using Akka.Hosting;
using Akka.TestKit.Xunit2;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;

namespace Docs.Tests.Jobs;

// The examples of docs/jobs.md, as they are written there (DocExamplesSpecs checks that they are).

public sealed record ImportState(string Phase, int Rows);
public abstract record ImportAction;
public sealed record Pause : ImportAction;
public sealed record Resume : ImportAction;

public sealed class ImportJob(string path) : Job<ImportState, ImportAction>(new("queued", 0))
{
    private TaskCompletionSource _resumed = CompletedGate();

    protected override async Task RunAsync(CancellationToken cancellationToken)
    {
        SetState(State with { Phase = "importing" });
        await foreach (var batch in ReadBatchesAsync(path, cancellationToken))
        {
            await _resumed.Task.WaitAsync(cancellationToken);   // paused? wait here
            SetState(State with { Rows = State.Rows + batch.Count });
        }
    }                                                             // returning ends the job as Completed

    protected override Task HandleAsync(ImportAction action, CancellationToken cancellationToken)
    {
        switch (action)
        {
            case Pause: _resumed = new(); SetState(State with { Phase = "paused" }); break;
            case Resume: _resumed.TrySetResult(); SetState(State with { Phase = "importing" }); break;
        }

        return Task.CompletedTask;
    }

    private static TaskCompletionSource CompletedGate() { var gate = new TaskCompletionSource(); gate.SetResult(); return gate; }

    private static async IAsyncEnumerable<List<string>> ReadBatchesAsync(string file, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        foreach (var chunk in File.ReadLines(file).Chunk(2))
        {
            await Task.Delay(50, cancellationToken);
            yield return [.. chunk];
        }
    }
}

public sealed record StartImport(string File);

public static class JobsGuideExamples
{
    public static async Task UsingAsync(WebApplicationBuilder builder, IJobManager<ImportState, ImportAction> imports, CancellationToken ct)
    {
        builder.Services.AddActors("app", (akka, _) => akka
            .WithJobManager<ImportState, ImportAction>("imports", o => o.StopTimeout = TimeSpan.FromSeconds(30)));

        // anywhere with DI:
        var result = await imports.RunJobAsync("file-42", () => new ImportJob("/data/42.csv"));
        // JobCreated, or JobAlreadyRunning (the factory was not called). Idempotent under any concurrency.

        var job = await imports.GetRunningJobAsync("file-42")           // IJobHandle, or null
            ?? throw new InvalidOperationException("file-42 is not being imported");
        job.Dispatch(new Pause());                                         // fire and forget, in order
        await job.DispatchAsync(new Resume());                             // completes once handled
        var state = job.State;                                             // current state, no round trip

        using var listening = job.OnStateChange(s => Console.WriteLine(s));   // every later state
        using var whenDone = job.OnStopped(stopped => Console.WriteLine(stopped.Reason));
        await foreach (var change in job.WatchAsync(ct)) { /* current first, then changes; ends at stop */ }

        var stopped = await job.StopAsync();   // token fires; completes when the actor has stopped
        // stopped.Reason: Completed | Stopped | Failed, stopped.Error: the failure's message
        GC.KeepAlive((result, state));
    }
}

public sealed class ImportSupervisor : ReceiveActor
{
    public ImportSupervisor(IRequiredActor<IJobManager<ImportState, ImportAction>> imports)
    {
        var manager = imports.ActorRef;
        Receive<StartImport>(m => manager.Tell(new RunJob<ImportState, ImportAction>(m.File, () => new ImportJob(m.File))));
        Receive<JobCreated>(created => created.Job.Tell(new SubscribeToJob(Self)));   // state, then changes
        Receive<JobStateChanged<ImportState>>(changed => { /* version, state */ });
        Receive<JobStopped>(stopped => { /* reason, error */ });
    }
}

public sealed class CartJob() : Job<ImmutableList<string>, string>(ImmutableList<string>.Empty)
{
    protected override Task HandleAsync(string item, CancellationToken cancellationToken)
    {
        SetState(State.Add(item));
        return Task.CompletedTask;
    }
}

public sealed class CartJobSpecs(ITestOutputHelper output) : TestKit(output: output)
{
    [Fact]
    public async Task Two_calls_should_start_one_cart_and_fill_it()
    {
        var carts = JobManager.Start<ImmutableList<string>, string>(Sys, "carts");

        await carts.DispatchAsync("cart-7", "book", () => new CartJob());   // started by this call
        await carts.DispatchAsync("cart-7", "pen", () => new CartJob());    // the same job: the factory is not called

        Assert.Equal(["book", "pen"], (await carts.GetRunningJobAsync("cart-7"))!.State);
    }
}

public sealed class ImportJobSpecs(ITestOutputHelper output) : TestKit(output: output)
{
    private static readonly string TestFile = WriteTestFile();

    private static string WriteTestFile()
    {
        var file = Path.Combine(Directory.CreateTempSubdirectory("actors-import-").FullName, "rows.csv");
        File.WriteAllLines(file, Enumerable.Range(0, 400).Select(i => $"row {i}"));
        return file;
    }

    [Fact]
    public async Task Pausing_should_show_in_the_state_in_order()
    {
        var imports = JobManager.Start<ImportState, ImportAction>(Sys, "imports");
        await imports.RunJobAsync("f", () => new ImportJob(TestFile));
        var job = (await imports.GetRunningJobAsync("f"))!;
        var watcher = CreateTestProbe();
        job.Job.Tell(new SubscribeToJob(watcher.Ref));
        watcher.ExpectMsg<JobStateChanged<ImportState>>();          // the current state comes first

        await job.DispatchAsync(new Pause());

        watcher.FishForMessage<JobStateChanged<ImportState>>(c => c.State.Phase == "paused");
        Assert.Equal(JobStopReason.Stopped, (await job.StopAsync()).Reason);
    }
}
