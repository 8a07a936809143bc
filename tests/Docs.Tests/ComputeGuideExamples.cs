using Actors.Compute;
using Actors.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace Docs.Tests.Compute;

// The examples of docs/compute.md, as they are written there (DocExamplesSpecs checks that they are).
public static class ComputeGuideExamples
{
    public static WebApplication Endpoint(WebApplicationBuilder builder)
    {
builder.Services.AddActors("app", (akka, _) => akka.WithCompute());   // options: PoolSize, Strict, TimeSlice, BatchTarget
        var app = builder.Build();

app.MapGet("/primes/{n:int}", async (int n, IComputePool pool, CancellationToken ct) =>
{
    // 64 slices of [0, n): each unit counts the primes in its slice.
    var slices = Enumerable.Range(0, 64).Select(i => (From: (long)n * i / 64, To: (long)n * (i + 1) / 64));
    var counts = await pool.AllAsync(WorkUnit.CreateMany(slices, static s => Primes.Count(s.From, s.To)), cancellationToken: ct);
    return counts.Sum();
});
        return app;
    }

    public static void Units(int[] inputs)
    {
var unit = WorkUnit.Create(static (int n) => Fib(n), 30);
var withContext = WorkUnit.Create(static (string path, WorkContext ctx) =>
{
    for (var i = 0; i < 100; i++)
    {
        ctx.CancellationToken.ThrowIfCancellationRequested();   // fires on cancel, timeout, or when a race is won
        Step(path, i);
        ctx.ReportProgress((i + 1) / 100.0);                     // read from unit.Progress
    }
    return Summary(path);
}, "data.bin", new WorkOptions { Timeout = TimeSpan.FromSeconds(5), Retries = 2, Priority = 8 });
var many = WorkUnit.CreateMany(inputs, static x => Transform(x));
        GC.KeepAlive((unit, withContext, many));
    }

    public static async Task<double[]> Range(IComputePool pool, string[] items, CancellationToken ct)
    {
// scores[i] = Score(items[i]), over every worker; cancelling ct stops each slice at its next index.
double[] scores = await pool.ForAsync(items.Length, i => Score(items[i]), cancellationToken: ct);
        return scores;
    }

    public static void Strictness()
    {
var total = 0;
WorkUnit.Create((int x) => total += x, 1);            // strict: "captures the variable 'total' (Int32)"
WorkUnit.Create(static (int x) => x * 2, 1);          // passes: a static lambda captures nothing
WorkUnit.Create(Square, 1);                           // passes: a static method
WorkUnit.Create(new Scale(10).Apply, 1);              // passes if Scale's fields are readonly and immutable
    }

    private static long Fib(int n) => n < 2 ? n : Fib(n - 1) + Fib(n - 2);

    private static void Step(string path, int i) => GC.KeepAlive((path, i));

    private static string Summary(string path) => path;

    private static int Transform(int x) => x + 1;

    private static double Score(string item) => item.Length;

    private static int Square(int x) => x * x;

    private sealed record Scale(int Factor)
    {
        public int Apply(int x) => x * Factor;
    }

    private static class Primes
    {
        public static int Count(long from, long to)
        {
            var count = 0;
            for (var n = Math.Max(2, from); n < to; n++)
            {
                var prime = true;
                for (long d = 2; d * d <= n && prime; d++)
                {
                    prime = n % d != 0;
                }

                count += prime ? 1 : 0;
            }

            return count;
        }
    }
}

public sealed class ComputeGuideSpecs
{
    [Fact]
    public async Task The_primes_endpoint_of_the_compute_guide_should_count_the_primes()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        await using var app = ComputeGuideExamples.Endpoint(builder);
        await app.StartAsync();
        using var http = new HttpClient { BaseAddress = new Uri(app.Urls.First()) };

        Assert.Equal("25", await http.GetStringAsync("/primes/100"));
        await app.StopAsync();
    }
}
