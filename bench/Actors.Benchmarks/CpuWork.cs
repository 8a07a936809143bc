using System.Diagnostics;
using System.Runtime.CompilerServices;

namespace Actors.Benchmarks;

/// <summary>Deterministic CPU work of a calibrated length, the same for every contender.</summary>
internal static class CpuWork
{
    private static readonly Lazy<double> IterationsPerMicrosecond = new(Calibrate);

    /// <summary>How many iterations of <see cref="Spin"/> take about <paramref name="microseconds"/> on this machine.</summary>
    public static int Iterations(double microseconds) => Math.Max(1, (int)(IterationsPerMicrosecond.Value * microseconds));

    /// <summary>A dependent chain of xorshift steps: no allocation, no shared state, not optimised away.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static long Spin(int iterations)
    {
        var x = 88172645463325252L ^ iterations;
        for (var i = 0; i < iterations; i++)
        {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
        }

        return x;
    }

    private static double Calibrate()
    {
        const int probe = 2_000_000;
        Spin(probe);
        var best = double.MaxValue;
        for (var i = 0; i < 5; i++)
        {
            var started = Stopwatch.GetTimestamp();
            Spin(probe);
            best = Math.Min(best, Stopwatch.GetElapsedTime(started).TotalMicroseconds);
        }

        return probe / best;
    }
}
