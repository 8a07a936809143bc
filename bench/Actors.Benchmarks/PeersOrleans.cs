using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Actors.Configuration;
using Actors.Jobs;
using Akka.Actor;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Orleans.Hosting;

namespace Actors.Benchmarks;

/// <summary>
/// Keyed, activated on first use, request/response: an Orleans 10 silo's grains against our keyed jobs, in the same process,
/// each side alone in its run.
/// </summary>
internal static class PeersOrleans
{
    private const int Keys = 20_000;
    private const int Calls = 50_000;
    private const int Callers = 64;
    private const int Rounds = 3;

    public static async Task RunAsync(Figures figures)
    {
        // Three rounds of each side, alternating (each round in a fresh silo or actor system, warmed up first); medians.
        var (orleans, ours) = (new List<(double Activations, double Calls)>(), new List<(double Activations, double Calls)>());
        for (var round = 0; round < Rounds; round++)
        {
            orleans.Add(await OrleansAsync());
            ours.Add(await OursAsync());
        }

        var (orleansActivations, orleansCalls) = (Measure.Median(orleans.Select(r => r.Activations)), Measure.Median(orleans.Select(r => r.Calls)));
        var (oursActivations, oursCalls) = (Measure.Median(ours.Select(r => r.Activations)), Measure.Median(ours.Select(r => r.Calls)));
        figures.Report("peers.orleans.activate_call.rate", orleansActivations, "per_s");
        figures.Report("peers.ours.job_create_call.rate", oursActivations, "per_s");
        var ratio = oursActivations / orleansActivations;
        figures.Ratio("peers.orleans.ratio", ratio, ">= 2", ratio >= 2);
        figures.Report("peers.orleans.hot_call.rate", orleansCalls, "per_s");
        figures.Report("peers.ours.hot_call.rate", oursCalls, "per_s");
        figures.Report("peers.orleans.hot.ratio", oursCalls / orleansCalls, "ratio");
    }

    /// <summary>
    /// A silo with localhost clustering (its own free ports): 20,000 grains each activated by a first call (all in flight at
    /// once), then 50,000 calls to one grain from 64 callers; both per second.
    /// </summary>
    private static async Task<(double Activations, double Calls)> OrleansAsync()
    {
        using var host = new HostBuilder()
            .UseOrleans(silo => silo.UseLocalhostClustering(FreePort(), FreePort()))
            .ConfigureLogging(logging => logging.SetMinimumLevel(LogLevel.Warning))
            .Build();
        await host.StartAsync();
        try
        {
            var grains = host.Services.GetRequiredService<IGrainFactory>();
            await Task.WhenAll(Enumerable.Range(-Keys, Keys).Select(i => grains.GetGrain<IPingGrain>(i).PingAsync(i))); // warm-up, full size
            Measure.FullGc(); // neither side pays for the other's garbage
            var watch = Stopwatch.StartNew();
            await Task.WhenAll(Enumerable.Range(0, Keys).Select(i => grains.GetGrain<IPingGrain>(i).PingAsync(i)));
            var activations = Keys / watch.Elapsed.TotalSeconds;

            var hot = grains.GetGrain<IPingGrain>(-1);
            watch.Restart();
            await Task.WhenAll(Enumerable.Range(0, Callers).Select(async caller =>
            {
                for (var i = caller; i < Calls; i += Callers)
                {
                    await hot.PingAsync(i);
                }
            }));
            return (activations, Calls / watch.Elapsed.TotalSeconds);
        }
        finally
        {
            await host.StopAsync();
        }
    }

    /// <summary>
    /// The same with our keyed jobs: 20,000 jobs each activated by a first call
    /// (<see cref="IJobManager{TState,TAction}.DispatchAsync(string, TAction, Func{Job{TState,TAction}}, CancellationToken)"/>:
    /// the job is created and handles one action, answered once handled: request/response), all in flight at once; then
    /// 50,000 acknowledged actions to one job (<see cref="IJobHandle{TState,TAction}.DispatchAsync"/>) from 64 callers.
    /// </summary>
    private static Task<(double Activations, double Calls)> OursAsync() => BenchSystems.InFreshSystem(async system =>
    {
        var jobs = JobManager.Start<int, Tick>(system, "pings");
        await Task.WhenAll(Enumerable.Range(0, Keys).Select(i => CreateAndCallAsync(jobs, $"warm-{i}"))); // warm-up, full size
        Measure.FullGc(); // neither side pays for the other's garbage
        var watch = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, Keys).Select(i => CreateAndCallAsync(jobs, $"key-{i}")));
        var activations = Keys / watch.Elapsed.TotalSeconds;

        var hot = (await jobs.GetRunningJobAsync("key-0"))!;
        watch.Restart();
        await Task.WhenAll(Enumerable.Range(0, Callers).Select(async caller =>
        {
            for (var i = caller; i < Calls; i += Callers)
            {
                await hot.DispatchAsync(Tick.Instance);
            }
        }));
        return (activations, Calls / watch.Elapsed.TotalSeconds);
    }, ActorsConfig.Defaults);

    /// <summary>One call that starts the job under the key (none runs yet) and has it handle one action, answered once handled.</summary>
    private static Task CreateAndCallAsync(IJobManager<int, Tick> jobs, string key) => jobs.DispatchAsync(key, Tick.Instance, () => new IdleJob());

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}

/// <summary>The grain of the comparison: answers a call with its argument plus one.</summary>
public interface IPingGrain : IGrainWithIntegerKey
{
    /// <summary>One request/response call.</summary>
    Task<int> PingAsync(int value);
}

/// <summary>An Orleans grain doing what our job does: nothing but answer.</summary>
public sealed class PingGrain : Grain, IPingGrain
{
    /// <inheritdoc />
    public Task<int> PingAsync(int value) => Task.FromResult(value + 1);
}
