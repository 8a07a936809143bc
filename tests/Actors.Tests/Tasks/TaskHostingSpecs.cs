using Actors.Compute;
using Actors.Hosting;
using Actors.Tasks;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Actors.Tests.Tasks;

public sealed class TaskHostingSpecs
{
    [Fact]
    public async Task Each_attempt_should_get_its_own_DI_scope_disposed_when_it_ends()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Services.AddScoped<ScopedThing>();
        var seen = new List<ScopedThing>();
        var scoped = TaskDefinition.Create<int, int>("scoped", (attempt, task) =>
        {
            var thing = task.Services.GetRequiredService<ScopedThing>();
            lock (seen)
            {
                seen.Add(thing);
            }

            return thing == task.Services.GetRequiredService<ScopedThing>() ? Task.FromResult(attempt) : throw new InvalidOperationException("two instances in one scope");
        }, TaskPresets.Analysis.WithConcurrencyLimit(1));
        builder.Services.AddActors("tasks-scoped", (akka, _) => akka.WithTaskQueue(tasks => tasks.Add(scoped)));
        using var host = builder.Build();
        await host.StartAsync();
        var queue = host.Services.GetRequiredService<ITaskQueue>();

        var first = Assert.IsType<SubmitCompleted>(await queue.SubmitAsync("scoped", 1, wait: TimeSpan.FromSeconds(10)));
        var second = Assert.IsType<SubmitCompleted>(await queue.SubmitAsync("scoped", 2, wait: TimeSpan.FromSeconds(10)));

        Assert.Equal((TaskState.Completed, TaskState.Completed), (first.Record.Status, second.Record.Status));
        Assert.Equal(2, seen.Distinct().Count());
        Assert.All(seen, thing => Assert.True(thing.Disposed));
        await host.StopAsync();
    }

    [Fact]
    public async Task A_scoped_service_that_throws_on_dispose_should_not_keep_its_task_from_ending()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Services.AddScoped<BrokenThing>();
        var uses = TaskDefinition.Create<int, int>("broken-scope", (n, task) =>
        {
            task.Services.GetRequiredService<BrokenThing>();
            return Task.FromResult(n);
        }, TaskPresets.Analysis.WithConcurrencyLimit(1));
        builder.Services.AddActors("tasks-broken-scope", (akka, _) => akka.WithTaskQueue(tasks => tasks.Add(uses)));
        using var host = builder.Build();
        await host.StartAsync();
        var queue = host.Services.GetRequiredService<ITaskQueue>();

        var first = await queue.SubmitAsync("broken-scope", 1, wait: TimeSpan.FromSeconds(10));
        var second = await queue.SubmitAsync("broken-scope", 2, wait: TimeSpan.FromSeconds(10)); // the one slot came back

        Assert.Equal(TaskState.Completed, Assert.IsType<SubmitCompleted>(first).Record.Status);
        Assert.Equal(2, Assert.IsType<SubmitCompleted>(second).Record.Result);
        await host.StopAsync();
    }

    [Fact]
    public async Task AddActors_called_once_per_module_should_configure_one_system_with_every_capability()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Services.AddActors("modular", (akka, _) => akka.WithTaskQueue(tasks => tasks.Add(TaskDefinition.Create<int, int>("double", (n, _) => Task.FromResult(2 * n), TaskPresets.Analysis))));
        builder.Services.AddActors("modular", (akka, _) => akka.WithCompute());
        using var host = builder.Build();
        await host.StartAsync();

        var doubled = await host.Services.GetRequiredService<ITaskQueue>().SubmitAsync("double", 21, wait: TimeSpan.FromSeconds(10));
        var negated = await host.Services.GetRequiredService<IComputePool>().AllAsync(WorkUnit.CreateMany([1], static (int n) => -n));

        Assert.Equal(42, Assert.IsType<SubmitCompleted>(doubled).Record.Result);
        Assert.Equal([-1], negated);
        await host.StopAsync();
    }

    [Fact]
    public void AddActors_naming_another_system_should_fail_at_once_saying_which()
    {
        var services = new ServiceCollection();
        services.AddActors("first", (_, _) => { });

        var error = Assert.Throws<InvalidOperationException>(() => services.AddActors("second", (_, _) => { }));

        Assert.Contains("every call must name \"first\"", error.Message);
    }

    private sealed class BrokenThing : IDisposable
    {
        public void Dispose() => throw new InvalidOperationException("cannot let go");
    }

    private sealed class ScopedThing : IDisposable
    {
        public bool Disposed { get; private set; }

        public void Dispose() => Disposed = true;
    }
}
