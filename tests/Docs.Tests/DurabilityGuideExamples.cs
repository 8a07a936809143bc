using System.Collections.Immutable;
using Actors.Durability;
using Actors.Hosting;
using Actors.Jobs;
using Actors.Tasks;
using Actors.Thunks;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Docs.Tests.Durability;

// The example of docs/durability.md, as it is written there (DocExamplesSpecs checks that it is).
public sealed class DurabilityGuideSpecs
{
    [Fact]
    public async Task One_store_should_keep_the_queue_a_job_kind_and_the_thunks()
    {
        var builder = Host.CreateApplicationBuilder();
        var resize = TaskDefinition.Create<int, int>("resize", (n, _) => Task.FromResult(n), TaskPresets.FileOperations);
builder.Services.AddActors("app", (akka, _) => akka
    .WithDurability(DurabilityProvider.Sqlite, "data/journal.db")
    .WithTaskQueue(tasks => tasks.Add(resize))                                     // journaled
    .WithJobManager("counters", durability: new JobDurability<CounterState, CounterAction>((key, state) => new CounterJob(state)))
    .WithThunks(Ledger.Empty, Ledger.Apply, new ThunkDurability(new Dictionary<string, Type> { ["ledger.deposit"] = typeof(Deposit) })));
        using var host = builder.Build();
        await host.StartAsync();

        var queue = host.Services.GetRequiredService<ITaskQueue>();
        Assert.IsType<SubmitCompleted>(await queue.SubmitAsync("resize", 3, wait: TimeSpan.FromSeconds(10)));
        Assert.True(File.Exists(Path.GetFullPath("data/journal.db")));  // relative to the test's working folder
        await host.StopAsync();
    }
}

public sealed record CounterState(int Count);

public sealed record CounterAction(int Add);

public sealed class CounterJob(CounterState state) : Job<CounterState, CounterAction>(state)
{
    protected override Task RunAsync(CancellationToken cancellationToken) => Task.Delay(Timeout.Infinite, cancellationToken);

    protected override Task HandleAsync(CounterAction action, CancellationToken cancellationToken)
    {
        SetState(State with { Count = State.Count + action.Add });
        return Task.CompletedTask;
    }
}

public sealed record Deposit(string Account, long Amount);

public sealed record Ledger(ImmutableDictionary<string, long> Balances)
{
    public static Ledger Empty { get; } = new(ImmutableDictionary<string, long>.Empty);

    public static Ledger Apply(Ledger ledger, object action) => action is Deposit d
        ? new(ledger.Balances.SetItem(d.Account, ledger.Balances.GetValueOrDefault(d.Account) + d.Amount))
        : ledger;
}
