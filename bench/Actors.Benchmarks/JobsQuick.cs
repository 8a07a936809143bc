using Actors.Jobs;
using Akka.Actor;

using static Actors.Benchmarks.BenchSystems;

namespace Actors.Benchmarks;

/// <summary>The quick jobs suite: creation rate, idle memory and dispatch rate, each against plain Akka.</summary>
internal static class JobsQuick
{
    private const int CreateCount = 20_000;
    private const int IdleCount = 10_000;
    private const int DispatchCount = 2_000_000;
    private const int Rounds = 7;


    public static async Task RunAsync(Figures figures)
    {
        var (baselineCreate, jobsCreate) = await Measure.CompareRatesAsync(Rounds, () => InFreshSystem(BaselineCreateAsync), () => InFreshSystem(JobsCreateAsync));
        figures.Report("baseline.actorof.rate", baselineCreate, "per_s");
        figures.Report("jobs.create.rate", jobsCreate, "per_s");
        figures.Ratio("jobs.create.ratio", jobsCreate / baselineCreate, ">= 0.7", jobsCreate / baselineCreate >= 0.7);

        var baselineBytes = await InFreshSystem(system => Measure.RetainedBytesPerItemAsync(IdleCount, n => BaselineIdleAsync(system, n)));
        var jobsBytes = await InFreshSystem(system => Measure.RetainedBytesPerItemAsync(IdleCount, n => JobsIdleAsync(system, n)));
        figures.Report("baseline.actor.bytes", baselineBytes, "bytes");
        figures.Report("jobs.idle.bytes", jobsBytes, "bytes");
        figures.Ratio("jobs.idle.ratio", jobsBytes / baselineBytes, "<= 1.5", jobsBytes / baselineBytes <= 1.5);

        var (baselineTell, jobsDispatch) = await Measure.CompareRatesAsync(Rounds, () => InFreshSystem(s => BenchSystems.TellAsync(s, DispatchCount)), () => InFreshSystem(s => JobsDispatchAsync(s, publishState: false)));
        var jobsDispatchWithState = await Measure.MedianRateAsync(Rounds, () => InFreshSystem(s => JobsDispatchAsync(s, publishState: true)));
        figures.Report("baseline.tell.rate", baselineTell, "per_s");
        figures.Report("jobs.dispatch.rate", jobsDispatch, "per_s");
        figures.Report("jobs.dispatch_set_state.rate", jobsDispatchWithState, "per_s");
        figures.Ratio("jobs.dispatch.ratio", jobsDispatch / baselineTell, ">= 0.7", jobsDispatch / baselineTell >= 0.7);
    }

    /// <summary>
    /// Actors created and each answering once (an <see cref="Identify"/>), as a job is created and answers: ActorOf alone returns
    /// before the actor has started, so timing only it would leave the creation itself out.
    /// </summary>
    private static async Task<int> BaselineCreateAsync(ActorSystem system)
    {
        var props = Props.Create<EmptyActor>();
        var (collector, done) = Replies.Collect(system, CreateCount);
        for (var i = 0; i < CreateCount; i++)
        {
            system.ActorOf(props).Tell(new Identify(null), collector);
        }

        await done;
        return CreateCount;
    }

    private static async Task<int> JobsCreateAsync(ActorSystem system)
    {
        var jobs = JobManager.Start<int, Tick>(system, "bench");
        var (collector, done) = Replies.Collect(system, CreateCount);
        Func<Job<int, Tick>> factory = static () => new IdleJob();
        for (var i = 0; i < CreateCount; i++)
        {
            jobs.Manager.Tell(new RunJob<int, Tick>(i.ToString(), factory), collector);
        }

        await done;
        return CreateCount;
    }

    private static async Task<object> BaselineIdleAsync(ActorSystem system, int count)
    {
        var props = Props.Create<EmptyActor>();
        var (collector, identified) = Replies.Collect(system, count);
        for (var i = 0; i < count; i++)
        {
            system.ActorOf(props).Tell(new Identify(null), collector);
        }

        return await identified;
    }

    private static async Task<object> JobsIdleAsync(ActorSystem system, int count)
    {
        var jobs = JobManager.Start<int, Tick>(system, "idle");
        var (collector, created) = Replies.Collect(system, count);
        for (var i = 0; i < count; i++)
        {
            jobs.Manager.Tell(new RunJob<int, Tick>(i.ToString(), static () => new IdleJob()), collector);
        }

        var refs = await created;

        // Every job has started (its work is awaiting) once it answers a message sent after its creation.
        var (startedCollector, started) = Replies.Collect(system, count);
        refs.ForEach(job => job.Tell(new Identify(null), startedCollector));
        await started;
        return refs;
    }

    private static async Task<int> JobsDispatchAsync(ActorSystem system, bool publishState)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var jobs = JobManager.Start<int, Tick>(system, "dispatch");
        await jobs.RunJobAsync("counter", () => new CountingJob(DispatchCount, done, publishState));
        var handle = (await jobs.GetRunningJobAsync("counter"))!;
        for (var i = 0; i < DispatchCount; i++)
        {
            handle.Dispatch(Tick.Instance);
        }

        await done.Task;
        return DispatchCount;
    }
}
