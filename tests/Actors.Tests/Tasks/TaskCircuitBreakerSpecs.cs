using Actors.Configuration;
using Actors.Tasks;
using Akka.Configuration;
using Akka.TestKit;

namespace Actors.Tests.Tasks;

/// <summary>A task type's circuit breaker, under virtual time: its open period passes only when the test says so.</summary>
public sealed class TaskCircuitBreakerSpecs() : Akka.TestKit.Xunit2.TestKit(
    ConfigurationFactory.ParseString("akka.scheduler.implementation = \"Akka.TestKit.TestScheduler, Akka.TestKit\"").WithFallback(ActorsConfig.Defaults))
{
    private volatile bool _upstreamDown = true;

    private TestScheduler Clock => (TestScheduler)Sys.Scheduler;

    [Fact]
    public async Task After_three_failures_the_breaker_should_open_hold_tasks_back_probe_once_when_half_open_and_close_on_success()
    {
        var queue = StartQueue();
        var starts = CreateTestProbe();
        var circuit = CreateTestProbe();
        Sys.EventStream.Subscribe(starts, typeof(TaskStarted));
        Sys.EventStream.Subscribe(circuit, typeof(TaskCircuitChanged));

        // Three attempts fail: the breaker opens.
        foreach (var i in Enumerable.Range(1, 3))
        {
            Assert.IsType<SubmitAccepted>(await queue.SubmitAsync("call", i));
            starts.ExpectMsg<TaskStarted>();
            await AwaitAssertAsync(async () => Assert.Equal(TaskState.Failed, (await queue.ListAsync(limit: 1))[0].Status));
        }

        Assert.Equal(TaskCircuitState.Open, circuit.ExpectMsg<TaskCircuitChanged>().State);

        // While it is open, tasks wait rather than fail.
        var waiting = new List<string>();
        foreach (var i in Enumerable.Range(4, 5))
        {
            waiting.Add(Assert.IsType<SubmitAccepted>(await queue.SubmitAsync("call", i)).TaskId);
        }

        starts.ExpectNoMsg(TimeSpan.FromMilliseconds(300));
        Assert.All(await Task.WhenAll(waiting.Select(id => queue.GetAsync(id))), record => Assert.Equal(TaskState.Waiting, record!.Status));
        var health = Assert.Single(await queue.GetTypeHealthAsync());
        Assert.Equal((TaskCircuitState.Open, 1.0, 5), (health.Circuit, health.ErrorRate, health.Waiting));

        // Half open: exactly one probe, which fails while the upstream is down, and the breaker opens again.
        Clock.Advance(TimeSpan.FromSeconds(10));
        Assert.Equal(TaskCircuitState.HalfOpen, circuit.ExpectMsg<TaskCircuitChanged>().State);
        var probe = starts.ExpectMsg<TaskStarted>();
        Assert.Equal(TaskCircuitState.Open, circuit.ExpectMsg<TaskCircuitChanged>().State);
        starts.ExpectNoMsg(TimeSpan.FromMilliseconds(300));
        Assert.Equal(TaskState.Failed, (await queue.GetAsync(probe.TaskId))!.Status);

        // The upstream is back: the next probe succeeds, the breaker closes, and the tasks still waiting all start.
        _upstreamDown = false;
        Clock.Advance(TimeSpan.FromSeconds(10));
        Assert.Equal(TaskCircuitState.HalfOpen, circuit.ExpectMsg<TaskCircuitChanged>().State);
        starts.ExpectMsg<TaskStarted>();
        Assert.Equal(TaskCircuitState.Closed, circuit.ExpectMsg<TaskCircuitChanged>().State);
        starts.ReceiveN(3);
        await AwaitAssertAsync(async () => Assert.Equal(4, (await queue.ListAsync(TaskState.Completed)).Count));
        Assert.Equal(TaskCircuitState.Closed, Assert.Single(await queue.GetTypeHealthAsync()).Circuit);
    }

    [Fact]
    public async Task A_user_error_should_not_count_against_the_upstream()
    {
        var queue = TaskQueue.Start(Sys,
        [
            TaskDefinition.Create<int, int>("call", (_, _) => throw new UserActionableTaskException("bad input", "fix it"),
                TaskPresets.ExternalApi.WithRetry(RetryPolicy.None).WithCircuitBreaker(new TaskCircuitBreaker(FailuresToOpen: 2))),
        ]);

        foreach (var i in Enumerable.Range(1, 4))
        {
            Assert.Equal(TaskState.Failed, Assert.IsType<SubmitCompleted>(await queue.SubmitAsync("call", i, wait: TimeSpan.FromSeconds(5))).Record.Status);
        }

        var health = Assert.Single(await queue.GetTypeHealthAsync());
        Assert.Equal((TaskCircuitState.Closed, 0.0, 4), (health.Circuit, health.ErrorRate, health.RecentAttempts));
    }

    [Fact]
    public async Task With_a_policy_key_one_hosts_open_breaker_should_hold_back_only_that_hosts_tasks()
    {
        var queue = TaskQueue.Start(Sys,
        [
            TaskDefinition.Create<string, string>("fetch", (url, _) => url.StartsWith("down/", StringComparison.Ordinal)
                    ? throw new RetryableTaskException("503 Service Unavailable")
                    : Task.FromResult(url),
                TaskPresets.ExternalApi.WithRetry(RetryPolicy.None).WithConcurrencyLimit(1).WithCircuitBreaker(new TaskCircuitBreaker(FailuresToOpen: 2)))
                .WithPolicyKey<string>(url => url.Split('/')[0]),
        ]);
        var circuit = CreateTestProbe();
        Sys.EventStream.Subscribe(circuit, typeof(TaskCircuitChanged));

        foreach (var path in new[] { "down/1", "down/2" })
        {
            Assert.Equal(TaskState.Failed, Assert.IsType<SubmitCompleted>(await queue.SubmitAsync("fetch", path, wait: TimeSpan.FromSeconds(5))).Record.Status);
        }

        var opened = circuit.ExpectMsg<TaskCircuitChanged>();
        Assert.Equal(("fetch", "down", TaskCircuitState.Open), (opened.TaskType, opened.Key, opened.State));
        var held = Assert.IsType<SubmitAccepted>(await queue.SubmitAsync("fetch", "down/3"));
        Assert.Equal(TaskState.Completed, Assert.IsType<SubmitCompleted>(await queue.SubmitAsync("fetch", "up/1", wait: TimeSpan.FromSeconds(5))).Record.Status);
        Assert.Equal(TaskState.Waiting, (await queue.GetAsync(held.TaskId))!.Status);

        var health = await queue.GetTypeHealthAsync();
        Assert.Equal([(null, TaskCircuitState.Closed), ("down", TaskCircuitState.Open), ("up", TaskCircuitState.Closed)],
            health.Select(h => (h.Key, h.Circuit)).ToList());
        Assert.Equal((3, 1), (health[0].RecentAttempts, health[0].Waiting));
    }

    [Fact]
    public void A_breaker_out_of_range_should_be_refused_naming_the_value()
    {
        Assert.Equal("FailuresToOpen", Assert.Throws<ArgumentOutOfRangeException>(() => TaskPresets.ExternalApi.WithCircuitBreaker(new TaskCircuitBreaker(0))).ParamName);
        Assert.Equal("FailureRatio", Assert.Throws<ArgumentOutOfRangeException>(() => TaskPresets.ExternalApi.WithCircuitBreaker(new TaskCircuitBreaker(FailureRatio: 1.5))).ParamName);
    }

    private ITaskQueue StartQueue() => TaskQueue.Start(Sys,
    [
        TaskDefinition.Create<int, int>("call", (n, _) => _upstreamDown ? throw new RetryableTaskException("503 Service Unavailable") : Task.FromResult(n),
            TaskPresets.ExternalApi.WithRetry(RetryPolicy.None).WithConcurrencyLimit(5)
                .WithCircuitBreaker(new TaskCircuitBreaker(FailuresToOpen: 3, OpenFor: TimeSpan.FromSeconds(10)))),
    ]);
}
