using System.Runtime.CompilerServices;
using System.Runtime.ExceptionServices;
using System.Threading.Channels;
using Actors.Common;
using Akka.Actor;
using Akka.Event;

namespace Actors.Compute;

/// <summary>The <see cref="IComputePool"/> facade: checks and creates a run here, starts it through the coordinator, awaits its end.</summary>
internal sealed class ComputePoolClient(IActorRef coordinator, ComputeSettings settings, ILoggingAdapter log) : IComputePool
{
    public IActorRef Coordinator { get; } = coordinator;

    public int PoolSize => settings.PoolSize;

    public Task<TResult[]> AllAsync<TResult>(IEnumerable<WorkUnit<TResult>> units, WorkRunOptions? options = null, CancellationToken cancellationToken = default) =>
        ResultsOf<TResult>(Begin(units, WorkRunMode.All, 0, FailingFast(options), null, cancellationToken), static run => run.Units, cancellationToken);

    public Task<TResult[]> ForAsync<TResult>(int count, Func<int, TResult> body, WorkRunOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        ArgumentNullException.ThrowIfNull(body);
        var results = new TResult[count];
        var slices = IndexSliceWorkUnit<TResult>.Slices(count, body, results, settings.PoolSize);
        return ResultsWhenEnded(Begin(slices, WorkRunMode.All, 0, FailingFast(options), null, cancellationToken), results, cancellationToken);
    }

    public Task<IReadOnlyList<WorkUnit<TResult>>> AllSettledAsync<TResult>(IEnumerable<WorkUnit<TResult>> units, WorkRunOptions? options = null, CancellationToken cancellationToken = default) =>
        SettledUnitsOf<TResult>(Begin(units, WorkRunMode.All, 0, (options ?? WorkRunOptions.Default) with { CollectErrors = true }, null, cancellationToken), cancellationToken);

    public IAsyncEnumerable<WorkUnit<TResult>> Stream<TResult>(IEnumerable<WorkUnit<TResult>> units, WorkRunOptions? options = null, CancellationToken cancellationToken = default)
    {
        var finished = Channel.CreateUnbounded<WorkUnit>(new UnboundedChannelOptions { SingleReader = true });
        var run = Begin(units, WorkRunMode.Stream, 0, options, new ChannelObserver(finished.Writer), cancellationToken);
        return Yield<TResult>(run, finished.Reader, cancellationToken);
    }

    public WorkRun Fire(IEnumerable<WorkUnit> units, WorkRunOptions? options = null) =>
        Begin(units, WorkRunMode.Fire, 0, options, null, CancellationToken.None);

    public Task<TResult> RaceAsync<TResult>(IEnumerable<WorkUnit<TResult>> units, WorkRunOptions? options = null, CancellationToken cancellationToken = default) =>
        FirstResultOf<TResult>(Begin(units, WorkRunMode.Race, 1, options, null, cancellationToken), cancellationToken);

    public Task<TResult[]> AnyAsync<TResult>(int count, IEnumerable<WorkUnit<TResult>> units, WorkRunOptions? options = null, CancellationToken cancellationToken = default) =>
        ResultsOf<TResult>(Begin(units, WorkRunMode.Any, count, options, null, cancellationToken), static run => run.Winners, cancellationToken);

    public Task<ComputePoolStatus> GetStatusAsync(CancellationToken cancellationToken = default) =>
        Coordinator.Ask<ComputePoolStatus>(GetComputePoolStatus.Instance, settings.AskTimeout, cancellationToken);

    /// <summary>The options of a run that fails at its first failure (all, for): errors are not collected.</summary>
    private static WorkRunOptions? FailingFast(WorkRunOptions? options) => options is { CollectErrors: true } ? options with { CollectErrors = false } : options;

    private WorkRun Begin(IEnumerable<WorkUnit> units, WorkRunMode mode, int count, WorkRunOptions? options, IWorkRunObserver? observer, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var run = WorkRun.Create(units, mode, count, options, settings, log, observer);
        Coordinator.Tell(new StartWorkRun(run));
        return run;
    }

    /// <summary>Waits for the run to end, then returns the results of <paramref name="units"/> (all of them, or the winners).</summary>
    private static async Task<TResult[]> ResultsOf<TResult>(WorkRun run, Func<WorkRun, IReadOnlyList<WorkUnit>> units, CancellationToken cancellationToken)
    {
        await EndOf(run, cancellationToken).ConfigureAwait(false);
        return Results<TResult>(units(run));
    }

    /// <summary>One pass over a run's units, once per run: fully optimised from the first call (see <c>WorkRun.CheckUnits</c>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static TResult[] Results<TResult>(IReadOnlyList<WorkUnit> units)
    {
        var results = new TResult[units.Count];
        for (var i = 0; i < results.Length; i++)
        {
            results[i] = ((WorkUnit<TResult>)units[i]).Result;
        }

        return results;
    }

    private static async Task<TResult[]> ResultsWhenEnded<TResult>(WorkRun run, TResult[] results, CancellationToken cancellationToken)
    {
        await EndOf(run, cancellationToken).ConfigureAwait(false);
        return results;
    }

    private static async Task<TResult> FirstResultOf<TResult>(WorkRun run, CancellationToken cancellationToken) =>
        (await ResultsOf<TResult>(run, static r => r.Winners, cancellationToken).ConfigureAwait(false))[0];

    private static async Task<IReadOnlyList<WorkUnit<TResult>>> SettledUnitsOf<TResult>(WorkRun run, CancellationToken cancellationToken)
    {
        await EndOf(run, cancellationToken).ConfigureAwait(false);
        return run.Units.Cast<WorkUnit<TResult>>().ToArray();
    }

    /// <summary>Waits for the run to end (cancelling it with the token), then throws its failure, if any.</summary>
    private static async Task EndOf(WorkRun run, CancellationToken cancellationToken)
    {
        await using (cancellationToken.Register(static r => ((WorkRun)r!).Cancel(), run).ConfigureAwait(false))
        {
            await run.Completion.ConfigureAwait(false);
        }

        switch (run.Settlement)
        {
            case WorkRunSettlement.Succeeded:
                return;
            case WorkRunSettlement.Cancelled when cancellationToken.IsCancellationRequested:
                throw new OperationCanceledException($"Work run {run.Id} was cancelled.", run.Failure, cancellationToken);
            default:
                ExceptionDispatchInfo.Throw(run.Failure!);
                return;
        }
    }

    private static async IAsyncEnumerable<WorkUnit<TResult>> Yield<TResult>(WorkRun run, ChannelReader<WorkUnit> finished, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var completed = false;
        try
        {
            await using (cancellationToken.Register(static r => ((WorkRun)r!).Cancel(), run).ConfigureAwait(false))
            {
                await foreach (var unit in finished.ReadAllAsync(CancellationToken.None).ConfigureAwait(false))
                {
                    yield return (WorkUnit<TResult>)unit;
                }
            }

            completed = true;
        }
        finally
        {
            if (!completed)
            {
                // The consumer stopped early: the rest of the run is not wanted.
                run.Cancel();
            }
        }

        cancellationToken.ThrowIfCancellationRequested();
    }

    /// <summary>Feeds a stream run's finished units to the enumerating caller.</summary>
    private sealed class ChannelObserver(ChannelWriter<WorkUnit> finished) : IWorkRunObserver
    {
        public void UnitFinished(WorkUnit unit) => finished.TryWrite(unit);

        public void RunEnded(WorkRun run) => finished.TryComplete();
    }
}

/// <summary>The DI <see cref="IComputePool"/>: the started pool, found on first use.</summary>
internal sealed class RegisteredComputePool(ActorSystem system) : IComputePool
{
    private IComputePool Started => StartedFacade<IComputePool>.Get(system, "Add akka.WithCompute().");

    public IActorRef Coordinator => Started.Coordinator;

    public int PoolSize => Started.PoolSize;

    public Task<TResult[]> AllAsync<TResult>(IEnumerable<WorkUnit<TResult>> units, WorkRunOptions? options = null, CancellationToken cancellationToken = default) =>
        Started.AllAsync(units, options, cancellationToken);

    public Task<TResult[]> ForAsync<TResult>(int count, Func<int, TResult> body, WorkRunOptions? options = null, CancellationToken cancellationToken = default) =>
        Started.ForAsync(count, body, options, cancellationToken);

    public Task<IReadOnlyList<WorkUnit<TResult>>> AllSettledAsync<TResult>(IEnumerable<WorkUnit<TResult>> units, WorkRunOptions? options = null, CancellationToken cancellationToken = default) =>
        Started.AllSettledAsync(units, options, cancellationToken);

    public IAsyncEnumerable<WorkUnit<TResult>> Stream<TResult>(IEnumerable<WorkUnit<TResult>> units, WorkRunOptions? options = null, CancellationToken cancellationToken = default) =>
        Started.Stream(units, options, cancellationToken);

    public WorkRun Fire(IEnumerable<WorkUnit> units, WorkRunOptions? options = null) => Started.Fire(units, options);

    public Task<TResult> RaceAsync<TResult>(IEnumerable<WorkUnit<TResult>> units, WorkRunOptions? options = null, CancellationToken cancellationToken = default) =>
        Started.RaceAsync(units, options, cancellationToken);

    public Task<TResult[]> AnyAsync<TResult>(int count, IEnumerable<WorkUnit<TResult>> units, WorkRunOptions? options = null, CancellationToken cancellationToken = default) =>
        Started.AnyAsync(count, units, options, cancellationToken);

    public Task<ComputePoolStatus> GetStatusAsync(CancellationToken cancellationToken = default) => Started.GetStatusAsync(cancellationToken);
}
