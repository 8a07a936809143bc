using System.Collections.Concurrent;
using Actors.Orchestration;

namespace Actors.Tests.Orchestration;

/// <summary>Ordered start-up: dependency order, the concurrency limit, cycles, failures of required and optional components.</summary>
public sealed class StartupSpecs : Akka.TestKit.Xunit2.TestKit
{
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public async Task Two_hundred_components_with_random_acyclic_dependencies_should_start_in_order_never_more_than_the_limit_at_once(int seed)
    {
        var random = new Random(seed);
        var started = new ConcurrentDictionary<string, bool>();
        var violations = new ConcurrentQueue<string>();
        var running = 0;
        var most = 0;
        var components = Enumerable.Range(0, 200).Select(i =>
        {
            // Each depends on up to three earlier ones: acyclic by construction, in a shuffled order below.
            var dependsOn = Enumerable.Range(0, random.Next(4)).Where(_ => i > 0).Select(_ => $"c{random.Next(i)}").Distinct().ToList();
            var work = TimeSpan.FromMilliseconds(random.Next(3));
            return new StartupComponent($"c{i}", async token =>
            {
                var now = Interlocked.Increment(ref running);
                InterlockedMax(ref most, now);
                violations.Enqueue(dependsOn.Where(d => !started.ContainsKey(d)).Select(d => $"c{i} began before {d} had started").FirstOrDefault() ?? "");
                await Task.Delay(work, token); // the component's own work, not a wait for anything
                Interlocked.Decrement(ref running);
                started[$"c{i}"] = true;
            }, dependsOn, Priority: random.Next(3));
        }).OrderBy(_ => random.Next()).ToList();

        var report = await Startup.RunAsync(Sys, components, new StartupOptions(Concurrency: 4));

        Assert.All(violations, violation => Assert.Equal("", violation));
        Assert.InRange(most, 2, 4);
        Assert.Equal(200, report.Components.Count(c => c.Outcome == ComponentOutcome.Started));
        Assert.False(report.Degraded);
    }

    [Fact]
    public async Task A_cycle_should_be_a_configuration_error_naming_its_members()
    {
        StartupComponent Component(string name, params string[] dependsOn) => new(name, _ => Task.CompletedTask, dependsOn);

        var error = await Assert.ThrowsAsync<StartupConfigurationException>(() => Startup.RunAsync(Sys,
            [Component("journal"), Component("queue", "journal", "cache"), Component("cache", "index"), Component("index", "queue"), Component("api", "queue")]));

        Assert.Equal("The start-up components' dependencies form a cycle: queue → cache → index → queue.", error.Message);
        Assert.DoesNotContain("api", error.Message);
        Assert.DoesNotContain("journal", error.Message);
    }

    [Fact]
    public async Task An_unknown_dependency_or_a_repeated_name_should_be_refused_by_name()
    {
        var unknown = await Assert.ThrowsAsync<StartupConfigurationException>(() => Startup.RunAsync(Sys, [new StartupComponent("api", _ => Task.CompletedTask, ["queue"])]));
        var repeated = await Assert.ThrowsAsync<StartupConfigurationException>(() => Startup.RunAsync(Sys,
            [new StartupComponent("api", _ => Task.CompletedTask), new StartupComponent("api", _ => Task.CompletedTask)]));

        Assert.Contains("'api' depends on 'queue', which is not a start-up component", unknown.Message);
        Assert.Contains("'api'", repeated.Message);
    }

    [Fact]
    public async Task A_failing_required_component_should_fail_start_up_with_its_name_and_start_nothing_after_it()
    {
        var startedAfter = false;
        var error = await Assert.ThrowsAsync<StartupFailedException>(() => Startup.RunAsync(Sys,
        [
            new StartupComponent("journal", _ => Task.CompletedTask),
            new StartupComponent("queue", _ => throw new InvalidOperationException("the journal's table is missing"), ["journal"]),
            new StartupComponent("api", _ =>
            {
                startedAfter = true;
                return Task.CompletedTask;
            }, ["queue"]),
        ]));

        Assert.Equal("queue", error.Component);
        Assert.Contains("'queue' failed after 1 attempt: InvalidOperationException: the journal's table is missing", error.Message);
        Assert.False(startedAfter);
        Assert.Equal(ComponentOutcome.Skipped, error.Report.Components.Single(c => c.Name == "api").Outcome);
    }

    [Fact]
    public async Task A_failing_optional_component_should_degrade_start_up_skipping_what_depends_on_it()
    {
        var report = await Startup.RunAsync(Sys,
        [
            new StartupComponent("queue", _ => Task.CompletedTask),
            new StartupComponent("cache", _ => Task.FromException(new TimeoutException("redis is down")), Required: false),
            new StartupComponent("warm-up", _ => Task.CompletedTask, ["cache"], Required: false),
            new StartupComponent("api", _ => Task.CompletedTask, ["queue"]),
        ]);

        Assert.True(report.Degraded);
        Assert.Equal(ComponentOutcome.Failed, report.Components.Single(c => c.Name == "cache").Outcome);
        Assert.Contains("depends on 'cache'", report.Components.Single(c => c.Name == "warm-up").Error);
        Assert.Equal(ComponentOutcome.Started, report.Components.Single(c => c.Name == "api").Outcome);
    }

    [Fact]
    public async Task A_required_component_that_depends_on_a_failed_optional_one_should_fail_start_up_saying_why()
    {
        var error = await Assert.ThrowsAsync<StartupFailedException>(() => Startup.RunAsync(Sys,
        [
            new StartupComponent("cache", _ => Task.FromException(new TimeoutException("redis is down")), Required: false),
            new StartupComponent("api", _ => Task.CompletedTask, ["cache"]),
        ]));

        Assert.Equal("api", error.Component);
        Assert.Contains("depends on 'cache', which did not start", error.Message);
    }

    private static void InterlockedMax(ref int target, int value)
    {
        int seen;
        while ((seen = Volatile.Read(ref target)) < value && Interlocked.CompareExchange(ref target, value, seen) != seen)
        {
        }
    }
}
