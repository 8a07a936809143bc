using System.Collections.Immutable;
using Actors.Hosting;
using Actors.Jobs;
using Actors.Tasks;
using Actors.Thunks;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

// A service that embeds Actors from its NuGet package: a task type, a job kind and a thunk flow.
// Exits 0 when each did what it should, 1 (saying what) otherwise.
var builder = Host.CreateApplicationBuilder(args);
var square = TaskDefinition.Create<int, int>("square", (n, _) => Task.FromResult(n * n), TaskPresets.Analysis);
builder.Services.AddActors("sample", (akka, _) => akka
    .WithTaskQueue(tasks => tasks.Add(square))
    .WithJobManager<int, int>("counters")
    .WithThunks(ImmutableDictionary<string, int>.Empty, (state, action) => action is Deposit d ? state.SetItem(d.Account, state.GetValueOrDefault(d.Account) + d.Amount) : state));
using var host = builder.Build();
await host.StartAsync();

var problems = new List<string>();
var submitted = await host.Services.GetRequiredService<ITaskQueue>().SubmitAsync("square", 7, wait: TimeSpan.FromSeconds(10));
if (submitted is not SubmitCompleted { Record.Result: 49 })
{
    problems.Add($"task: {submitted}");
}

var counters = host.Services.GetRequiredService<IJobManager<int, int>>();
await counters.RunJobAsync("c", () => new Counter());
var counter = (await counters.GetRunningJobAsync("c"))!;
await counter.DispatchAsync(5);
if (counter.State != 5)
{
    problems.Add($"job: state {counter.State}");
}

await counter.StopAsync();
var thunks = host.Services.GetRequiredService<IThunkProcessor>();
await thunks.RunAsync(root => root.DispatchAsync(new Deposit("a", 3)));
if ((await thunks.GetStateAsync<ImmutableDictionary<string, int>>()).State.GetValueOrDefault("a") != 3)
{
    problems.Add("thunks: the deposit did not apply");
}

await host.StopAsync();
Console.WriteLine(problems.Count == 0 ? "sample: task, job and thunk all behaved" : "sample: " + string.Join("; ", problems));
return problems.Count == 0 ? 0 : 1;

internal sealed record Deposit(string Account, int Amount);

internal sealed class Counter() : Job<int, int>(0)
{
    protected override Task RunAsync(CancellationToken cancellationToken) => Task.Delay(Timeout.Infinite, cancellationToken);

    protected override Task HandleAsync(int action, CancellationToken cancellationToken)
    {
        SetState(State + action);
        return Task.CompletedTask;
    }
}
