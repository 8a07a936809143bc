using Actors.Compute;
using Actors.Configuration;
using Akka.Actor;
using BenchmarkDotNet.Attributes;

namespace Actors.Benchmarks;

/// <summary>
/// Fine-grained (about 1 µs) work on the compute pool, over a range (<c>ForAsync</c>) and as units, against
/// <c>Parallel.For</c> over the same work (the baseline), with allocations. Each operation is <see cref="Units"/> elements.
/// </summary>
[MemoryDiagnoser]
public class ComputeBenchmarks
{
    private const int Units = 20_000;

    private ActorSystem _system = null!;
    private IComputePool _pool = null!;
    private int _iterations;

    [GlobalSetup]
    public void Setup()
    {
        _system = ActorSystem.Create("bench", ActorsConfig.Defaults);
        _pool = ComputePool.Start(_system);
        _iterations = CpuWork.Iterations(1);
    }

    [GlobalCleanup]
    public Task Cleanup() => _system.Terminate();

    [Benchmark(Baseline = true)]
    public long[] ParallelFor()
    {
        var results = new long[Units];
        var iterations = _iterations;
        Parallel.For(0, Units, i => results[i] = CpuWork.Spin(iterations));
        return results;
    }

    [Benchmark]
    public Task<long[]> PoolFor()
    {
        var iterations = _iterations;
        return _pool.ForAsync(Units, _ => CpuWork.Spin(iterations));
    }

    [Benchmark]
    public Task<long[]> PoolAll() => _pool.AllAsync(WorkUnit.CreateMany(Enumerable.Repeat(_iterations, Units), static n => CpuWork.Spin(n)));
}
