namespace Actors.Compute;

/// <summary>
/// A slice [<paramref name="from"/>, <paramref name="to"/>) of an index run (<see cref="IComputePool.ForAsync{TResult}"/>):
/// writes <c>body(i)</c> into the run's results for each index, stopping at the first index after its token fired.
/// Its result is how many indexes it ran.
/// </summary>
/// <remarks>
/// Each index is written by one slice only, and the results are read once the run has ended, so the array needs no lock.
/// Strict mode checks the caller's <paramref name="body"/>, not this slice.
/// </remarks>
internal sealed class IndexSliceWorkUnit<TResult>(Func<int, TResult> body, TResult[] results, int from, int to) : WorkUnit<int>(null)
{
    private const int SlicesPerWorker = 128;

    internal override Delegate Function => body;

    private protected override int Invoke(WorkContext context)
    {
        var token = context.For(this).CancellationToken;
        for (var i = from; i < to; i++)
        {
            token.ThrowIfCancellationRequested();
            results[i] = body(i);
        }

        return to - from;
    }

    /// <summary>
    /// Cuts [0, <paramref name="count"/>) into contiguous slices: many per worker, so that the workers, which claim a slice
    /// whenever they are free, finish together (the last slice to end is one of hundreds), and few enough that a slice's
    /// own cost vanishes beside its indexes'.
    /// </summary>
    public static IndexSliceWorkUnit<TResult>[] Slices(int count, Func<int, TResult> body, TResult[] results, int workers)
    {
        var slices = (int)Math.Min(count, (long)workers * SlicesPerWorker);
        var units = new IndexSliceWorkUnit<TResult>[slices];
        for (var k = 0; k < slices; k++)
        {
            units[k] = new IndexSliceWorkUnit<TResult>(body, results, (int)((long)count * k / slices), (int)((long)count * (k + 1) / slices));
        }

        return units;
    }
}
