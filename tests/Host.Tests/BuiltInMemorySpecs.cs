using System.Diagnostics;
using Actors.Host.BuiltIn;

namespace Host.Tests;

/// <summary>A built-in's memory is bounded by its design, not by its input.</summary>
public sealed class BuiltInMemorySpecs
{
    [Fact]
    public void Counting_primes_over_a_range_of_100_million_should_allocate_well_under_a_megabyte_per_million()
    {
        var before = GC.GetAllocatedBytesForCurrentThread();

        var primes = ComputePrimesTask.CountPrimes(0, 100_000_000, CancellationToken.None);

        Assert.Equal(5_761_455, primes);
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 1 << 20, $"{GC.GetAllocatedBytesForCurrentThread() - before:N0} bytes");
    }

    [Fact]
    public void Counting_primes_over_a_range_should_equal_the_sum_over_any_split_of_it()
    {
        long[] bounds = [999_000_000, 999_000_001, 999_262_144, 999_300_000, 999_524_289, 999_999_999, 1_000_000_000];

        var whole = ComputePrimesTask.CountPrimes(bounds[0], bounds[^1], CancellationToken.None);
        var parts = bounds.Zip(bounds.Skip(1)).Sum(p => ComputePrimesTask.CountPrimes(p.First, p.Second, CancellationToken.None));

        Assert.Equal(whole, parts);
        Assert.InRange(whole, 45_000, 50_000); // about 1,000,000 / ln(10^9) = 48,255
    }

    [Theory]
    [InlineData(0, 10_000_000, 664_579)]
    [InlineData(0, 2, 0)]
    [InlineData(2, 3, 1)]
    [InlineData(0, 1_000_003, 78_498)]
    public void Counting_primes_in_blocks_should_count_as_a_whole_sieve_does(long from, long to, long expected) =>
        Assert.Equal(expected, ComputePrimesTask.CountPrimes(from, to, CancellationToken.None));

    [Fact]
    public async Task One_primes_task_of_2_billion_in_one_segment_should_not_grow_the_real_service_by_more_than_100_MB()
    {
        await using var service = await ServiceProcess.StartAsync(TimeSpan.FromSeconds(60));
        using var http = new HttpClient { BaseAddress = service.BaseAddress };
        var baseline = service.ResidentBytes();

        var id = (await (await http.PostJsonAsync("/api/tasks/compute.primes", """{ "input": { "below": 2000000000, "segments": 1 } }""")).ReadJsonAsync()).Text("id");
        await Poll.UntilAsync(async () => (await (await http.GetAsync($"/api/tasks/{id}")).ReadJsonAsync()).Text("status"), s => s == "running");

        // Sample while the one unit sieves (it takes far longer than this window); the old sieve took 2 GB at once.
        var peak = baseline;
        var window = Stopwatch.StartNew();
        while (window.Elapsed < TimeSpan.FromSeconds(3))
        {
            peak = Math.Max(peak, service.ResidentBytes());
            await Task.Yield();
        }

        await http.DeleteAsync($"/api/tasks/{id}");
        Assert.True(peak - baseline < 100 << 20, $"RSS grew by {(peak - baseline) >> 20} MB");
    }
}
