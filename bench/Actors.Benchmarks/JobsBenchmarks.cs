using Actors.Jobs;
using Akka.Actor;
using Akka.Configuration;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;

namespace Actors.Benchmarks;

/// <summary>
/// Job creation and dispatch against plain Akka.NET doing the same (the baselines), with allocations.
/// Each operation is a batch; BenchmarkDotNet reports per batch, so divide by the batch size.
/// </summary>
[MemoryDiagnoser]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
[CategoriesColumn]
public class JobsBenchmarks
{
    private const int CreateBatch = 1_000;
    private const int DispatchBatch = 100_000;

    private ActorSystem _system = null!;
    private IJobManager<int, Tick> _jobs = null!;
    private IJobHandle<int, Tick> _counter = null!;
    private IActorRef _countingActor = null!;
    private Props _emptyProps = null!;
    private TaskCompletionSource _countingDone = null!;
    private TaskCompletionSource _jobDone = null!;
    private int _round;

    [GlobalSetup]
    public async Task Setup()
    {
        _system = ActorSystem.Create("bench", ConfigurationFactory.ParseString("akka.loglevel = WARNING\nakka.log-dead-letters = off"));
        _jobs = JobManager.Start<int, Tick>(_system, "bench");
        _emptyProps = Props.Create<EmptyActor>();
        _countingDone = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _jobDone = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _countingActor = _system.ActorOf(Props.Create(() => new RepeatingCountingActor(DispatchBatch, this)));
        await _jobs.RunJobAsync("counter", () => new RepeatingCountingJob(DispatchBatch, this));
        _counter = (await _jobs.GetRunningJobAsync("counter"))!;
    }

    [GlobalCleanup]
    public Task Cleanup() => _system.Terminate();

    [Benchmark(Baseline = true, OperationsPerInvoke = CreateBatch)]
    [BenchmarkCategory("create")]
    public void ActorOf_empty_actor()
    {
        for (var i = 0; i < CreateBatch; i++)
        {
            _system.ActorOf(_emptyProps);
        }
    }

    [Benchmark(OperationsPerInvoke = CreateBatch)]
    [BenchmarkCategory("create")]
    public async Task RunJob_idle_job()
    {
        var round = Interlocked.Increment(ref _round);
        var (collector, done) = Replies.Collect(_system, CreateBatch);
        for (var i = 0; i < CreateBatch; i++)
        {
            _jobs.Manager.Tell(new RunJob<int, Tick>($"{round}-{i}", static () => new IdleJob()), collector);
        }

        await done;
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = DispatchBatch)]
    [BenchmarkCategory("dispatch")]
    public async Task Tell_plain_actor()
    {
        _countingDone = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        for (var i = 0; i < DispatchBatch; i++)
        {
            _countingActor.Tell(Tick.Instance);
        }

        await _countingDone.Task;
    }

    [Benchmark(OperationsPerInvoke = DispatchBatch)]
    [BenchmarkCategory("dispatch")]
    public async Task Dispatch_to_job()
    {
        _jobDone = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        for (var i = 0; i < DispatchBatch; i++)
        {
            _counter.Dispatch(Tick.Instance);
        }

        await _jobDone.Task;
    }

    /// <summary>Signals the benchmark's current completion source every <c>batch</c> messages.</summary>
    private sealed class RepeatingCountingActor(int batch, JobsBenchmarks owner) : UntypedActor
    {
        private int _seen;

        protected override void OnReceive(object message)
        {
            if (++_seen % batch == 0)
            {
                owner._countingDone.TrySetResult();
            }
        }
    }

    /// <summary>Signals the benchmark's current completion source every <c>batch</c> actions.</summary>
    private sealed class RepeatingCountingJob(int batch, JobsBenchmarks owner) : Job<int, Tick>(0)
    {
        private int _seen;

        protected override Task RunAsync(CancellationToken cancellationToken) => Task.Delay(Timeout.Infinite, cancellationToken);

        protected override Task HandleAsync(Tick action, CancellationToken cancellationToken)
        {
            if (++_seen % batch == 0)
            {
                owner._jobDone.TrySetResult();
            }

            return Task.CompletedTask;
        }
    }
}
