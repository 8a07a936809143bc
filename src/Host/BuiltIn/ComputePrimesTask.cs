using Actors.Compute;
using Actors.Tasks;

namespace Actors.Host.BuiltIn;

/// <summary><c>compute.primes</c>: counts the primes below N on the compute pool (a segmented sieve, one work unit per segment).</summary>
public static class ComputePrimesTask
{
    private const long MaxBelow = 2_000_000_000;

    /// <summary>The task type's definition.</summary>
    /// <param name="pool">The pool, looked up on first use (it starts with the actor system, after the task types are defined).</param>
    public static TaskDefinition Create(Lazy<IComputePool> pool) =>
        TaskDefinition.Create<PrimesInput, PrimesResult>("compute.primes", (input, context) => CountAsync(pool.Value, input, context), TaskPresets.ComputationHeavy)
            .WithValidation<PrimesInput>(input => input switch
            {
                null => "'input' is required: { \"below\": 10000000 }.",
                { Below: < 2 or > MaxBelow } => $"'below' must be from 2 to {MaxBelow}.",
                { Segments: < 1 or > 10_000 } => "'segments' must be from 1 to 10000.",
                _ => null,
            })
            .WithDescription($"Counts the primes below N on the compute pool (input: {{ below, segments? }}; below up to {MaxBelow:N0})");

    private static async Task<PrimesResult> CountAsync(IComputePool pool, PrimesInput input, ITaskContext context)
    {
        var segments = input.Segments ?? (int)Math.Clamp(input.Below / 4_000_000 + 1, pool.PoolSize * 4, 10_000);
        var units = Enumerable.Range(0, segments)
            .Select(i => WorkUnit.Create(static (Segment s, WorkContext ctx) => CountPrimes(s.From, s.To, ctx.CancellationToken),
                new Segment(input.Below * i / segments, input.Below * (i + 1) / segments)))
            .ToArray();
        var count = 0L;
        var finished = 0;
        await foreach (var unit in pool.Stream(units, cancellationToken: context.CancellationToken))
        {
            count += unit.Result;
            context.ReportProgress(100.0 * ++finished / segments, $"{finished} of {segments} segments");
        }

        return new PrimesResult(input.Below, count, segments, pool.PoolSize);
    }

    /// <summary>How much of a range one sieve pass covers: a unit's memory is this plus the primes up to √N, whatever its range.</summary>
    public const int SieveBlock = 1 << 18;

    /// <summary>
    /// The primes in [from, to): the range is sieved in blocks of <see cref="SieveBlock"/> numbers by the
    /// primes up to √to, so memory stays bounded by design (about 300 KB below 2 billion), not by the input.
    /// </summary>
    public static long CountPrimes(long from, long to, CancellationToken cancellationToken)
    {
        from = Math.Max(from, 2);
        if (to <= from)
        {
            return 0;
        }

        var basePrimes = PrimesUpTo((int)Math.Sqrt(to) + 1);
        var composite = new bool[(int)Math.Min(SieveBlock, to - from)];
        var primes = 0L;
        for (var low = from; low < to; low += SieveBlock)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var high = Math.Min(low + SieveBlock, to);
            var block = composite.AsSpan(0, (int)(high - low));
            block.Clear();
            foreach (var p in basePrimes)
            {
                for (var m = Math.Max((long)p * p, (low + p - 1) / p * p); m < high; m += p)
                {
                    block[(int)(m - low)] = true;
                }
            }

            primes += block.Length - block.Count(true);
        }

        return primes;
    }

    /// <summary>The primes up to <paramref name="limit"/> (a plain sieve: √N numbers).</summary>
    private static int[] PrimesUpTo(int limit)
    {
        var composite = new bool[limit + 1];
        var primes = new List<int>();
        for (var p = 2; p <= limit; p++)
        {
            if (composite[p])
            {
                continue;
            }

            primes.Add(p);
            for (var m = (long)p * p; m <= limit; m += p)
            {
                composite[m] = true;
            }
        }

        return [.. primes];
    }

    private readonly record struct Segment(long From, long To);
}

/// <summary>The input of <c>compute.primes</c>.</summary>
/// <param name="Below">Count the primes below this.</param>
/// <param name="Segments">How many work units to split the range into; by default one per 4 million (at least 4 per worker).</param>
public sealed record PrimesInput(long Below, int? Segments = null);

/// <summary>What <c>compute.primes</c> counted.</summary>
public sealed record PrimesResult(long Below, long Primes, int Segments, int Workers);
