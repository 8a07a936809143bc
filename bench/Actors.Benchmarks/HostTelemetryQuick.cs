using System.Diagnostics;
using Actors.Tasks;
using Actors.Telemetry;
using Akka.Actor;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

namespace Actors.Benchmarks;

/// <summary>
/// What exporting telemetry costs: no-op tasks submitted through <see cref="ITaskQueue.SubmitAsync"/> and run to completion,
/// with the OpenTelemetry SDK collecting the library's meters and every span (submit and attempt) into in-memory
/// exporters, against the same with no SDK listening, in alternating rounds of the same run.
/// </summary>
internal static class HostTelemetryQuick
{
    private const int Tasks = 20_000;

    public static async Task RunAsync(Figures figures)
    {
        // Timed around the submits and completions only (not the actor system's start and stop), alternating, after a warm-up of each.
        await RoundAsync(exported: false);
        await RoundAsync(exported: true);
        var offRates = new List<double>();
        var onRates = new List<double>();
        for (var round = 0; round < 5; round++)
        {
            offRates.Add(await RoundAsync(exported: false));
            onRates.Add(await RoundAsync(exported: true));
        }

        var (off, on) = (Median(offRates), Median(onRates));
        figures.Report("baseline.telemetry.off.rate", off, "tasks/s");
        figures.Report("host.telemetry.on.rate", on, "tasks/s");
        var ratio = on / off;
        figures.Report("host.telemetry.ratio", ratio, "x");
        figures.Goal("host.telemetry.ratio", ratio, ">= 0.9", ratio >= 0.9);
    }

    private static double Median(List<double> rates) => rates.Order().ElementAt(rates.Count / 2);

    /// <summary>One round in a fresh actor system: its rate in tasks per second.</summary>
    private static async Task<double> RoundAsync(bool exported)
    {
        var spans = new List<Activity>();
        var metrics = new List<Metric>();
        using var tracer = exported ? Sdk.CreateTracerProviderBuilder().AddSource(ActorsTelemetry.Sources).AddInMemoryExporter(spans).Build() : null;
        using var meter = exported ? Sdk.CreateMeterProviderBuilder().AddMeter(ActorsTelemetry.Meters).AddInMemoryExporter(metrics).Build() : null;
        var seconds = await BenchSystems.InFreshSystem(async system =>
        {
            var queue = TaskQueue.Start(system, [TaskDefinition.Create<int, int>("noop", (n, _) => Task.FromResult(n), TaskPresets.ComputationHeavy.WithConcurrencyLimit(64))],
                TaskQueueSettings.Create(system) with { GlobalConcurrency = 64, Capacity = Tasks + 10 });
            var done = new CountdownEvent(Tasks);
            system.EventStream.Subscribe(system.ActorOf(Props.Create(() => new Countdown(done))), typeof(TaskCompleted));
            var clock = Stopwatch.StartNew();
            await Task.WhenAll(Enumerable.Range(0, Tasks).Select(i => queue.SubmitAsync("noop", i)));
            if (!await Task.Run(() => done.Wait(TimeSpan.FromMinutes(2))))
            {
                throw new TimeoutException($"{done.CurrentCount} tasks had not completed after 2 minutes.");
            }

            var elapsed = clock.Elapsed.TotalSeconds;
            meter?.ForceFlush();
            return elapsed;
        });
        if (exported && spans.Count < Tasks)
        {
            throw new InvalidOperationException($"Only {spans.Count} spans were exported for {Tasks} tasks: the round did not measure what it says.");
        }

        return Tasks / seconds;
    }

    private sealed class Countdown(CountdownEvent done) : UntypedActor
    {
        protected override void OnReceive(object message) => done.Signal();
    }
}
