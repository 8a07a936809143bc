using Actors.Jobs;
using Actors.Tasks;
using Actors.TestKit;
using Actors.Thunks;
using Akka.TestKit.Xunit2;

namespace Docs.Tests;

// The examples of docs/testing.md, as they are written there (DocExamplesSpecs checks that they are).

public sealed record Upload(string File);

public static class UploadTasks
{
    public static readonly TaskDefinition Upload = TaskDefinition.Create<Upload, string>("upload", (upload, task) =>
        task.Attempt < 4
            ? throw new TimeoutException($"storage did not answer (attempt {task.Attempt})")      // retryable
            : throw new FatalTaskException($"{upload.File} is corrupt"),                          // not retried
        TaskPresets.ExternalApi.WithRetry(new RetryPolicy(maxAttempts: 5, baseDelay: TimeSpan.FromSeconds(1),
            multiplier: 2, maxDelay: TimeSpan.FromMinutes(1), jitter: 0)));
}

public sealed class UploadSpecs() : TestKit(ActorsTestConfig.VirtualTime)
{
    [Fact]
    public async Task An_upload_should_retry_3_times_with_backoff_1_2_4_s_then_fail_as_fatal()
    {
        using var harness = TaskQueueHarness.Start(this, UploadTasks.Upload);

        var id = await harness.SubmitAsync("upload", new Upload("cat.png"));
        var record = await harness.RunToEndAsync(id);          // moves the virtual clock to each retry

        var failures = harness.EventsOf(id).OfType<TaskFailed>().ToList();
        Assert.Equal([1, 2, 4], failures.Where(f => !f.IsFinal).Select(f => (f.RetryAt!.Value - f.Timestamp).TotalSeconds));
        Assert.Equal((TaskState.Failed, 4, TaskErrorClass.Fatal), (record.Status, record.Attempts, record.Error!.Class));
    }
}

public sealed record Resize(string File, int Width);

public static class ResizeTasks
{
    public static readonly TaskDefinition Resize = TaskDefinition.Create<Resize, string>("resize", async (resize, task) =>
    {
        for (var row = 1; row <= 4; row++)
        {
            task.CancellationToken.ThrowIfCancellationRequested();
            await Task.Yield();                                   // (the real work)
            task.ReportProgress(row * 25, $"row {row} of 4");
        }

        return $"{resize.File}@{resize.Width}";
    }, TaskPresets.FileOperations);
}

public sealed class ResizeHandlerSpecs
{
    [Fact]
    public async Task The_handler_should_report_progress_and_return_the_resized_name()
    {
        using var context = new TestTaskContext(taskId: "task-7");

        var result = await ResizeTasks.Resize.InvokeAsync(new Resize("cat.png", 64), context);

        Assert.Equal("cat.png@64", result);
        Assert.Equal([25.0, 50, 75, 100], context.Progress.Select(p => p.Percent));
    }

    [Fact]
    public async Task The_handler_should_stop_when_its_token_fires()
    {
        using var context = new TestTaskContext();
        context.Cancel();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => ResizeTasks.Resize.InvokeAsync(new Resize("cat.png", 64), context));
    }
}

public sealed record Tally(int Count);

public sealed record Add(int Amount);

public sealed class TallyJob() : Job<Tally, Add>(new Tally(0))
{
    protected override Task RunAsync(CancellationToken cancellationToken) => Task.Delay(Timeout.Infinite, cancellationToken);

    protected override Task HandleAsync(Add action, CancellationToken cancellationToken)
    {
        SetState(State with { Count = State.Count + action.Amount });
        return Task.CompletedTask;
    }
}

public sealed class TallySpecs : TestKit
{
    [Fact]
    public async Task A_tally_should_add_what_it_is_sent_and_stop_when_asked()
    {
        var jobs = JobProbe.Start<Tally, Add>(this, "tallies");

        await jobs.RunAsync("t1", () => new TallyJob());
        await jobs.DispatchAsync("t1", new Add(2));
        await jobs.DispatchAsync("t1", new Add(3));

        Assert.Equal(5, (await jobs.AwaitVersionAsync("t1", 2)).Count);
        Assert.Equal(JobStopReason.Stopped, (await jobs.StopAsync("t1")).Reason);
    }
}

public sealed record Deposit(string Account, int Amount);

public static class Accounts
{
    public static Dictionary<string, int> Apply(Dictionary<string, int> balances, object action) => action switch
    {
        Deposit d => new(balances) { [d.Account] = balances.GetValueOrDefault(d.Account) + d.Amount },
        _ => throw new ArgumentException($"unknown action {action}"),
    };
}

public sealed class DepositSpecs : TestKit
{
    [Fact]
    public async Task Trees_on_one_account_should_take_its_lock_in_turn_and_apply_all_or_nothing()
    {
        using var thunks = ThunkProbe.Start(this, new Dictionary<string, int>(), Accounts.Apply);
        var account = new ThunkOptions(Keys: new HashSet<string> { "a" });

        await thunks.Processor.RunAsync(root => root.DispatchAsync(new Deposit("a", 5)), account with { Id = "first" });
        await Assert.ThrowsAsync<InvalidOperationException>(() => thunks.Processor.RunAsync(async root =>
        {
            await root.DispatchAsync(new Deposit("a", 7));
            throw new InvalidOperationException("the second deposit's tree fails");
        }, account with { Id = "second" }));

        Assert.Equal(5, (await thunks.GetStateAsync())["a"]);    // the failed tree's deposit was undone
        Assert.Equal(["first", "second"], await thunks.LockOrderAsync(2));
    }
}
