using System.Collections.Immutable;
using Actors.Hosting;
using Actors.Thunks;
using Akka.Actor;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Docs.Tests.Thunks;

// The examples of docs/thunks.md, as they are written there (DocExamplesSpecs checks that they are).
public sealed record Deposit(string Account, int Amount);

public sealed record MarkRead(int Message);

public sealed record Refresh;

public sealed class ThunksGuideSpecs
{
    [Fact]
    public async Task A_transfer_tree_should_apply_both_deposits()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Services.AddActors("app", (akka, _) => akka
            .WithThunks(ImmutableDictionary<string, int>.Empty, (state, action) => action switch
            {
                Deposit d => state.SetItem(d.Account, state.GetValueOrDefault(d.Account) + d.Amount),
                _ => state,
            }));
        using var host = builder.Build();
        await host.StartAsync();
        var processor = host.Services.GetRequiredService<IThunkProcessor>();

        // anywhere with DI:
        await processor.RunAsync(async thunk =>
        {
            thunk.Dispatch(new Deposit("alice", -10));                 // applies while this tree holds the lock
            await thunk.RunChildAsync(async child =>
            {
                await child.DispatchAsync(new Deposit("bob", +10));     // completes once applied
            });
        }, new ThunkOptions(Priority: 5, Keys: new HashSet<string> { "alice", "bob" }));

        Assert.Equal(new Dictionary<string, int> { ["alice"] = -10, ["bob"] = 10 }, (await processor.GetStateAsync<ImmutableDictionary<string, int>>()).State);
        await host.StopAsync();
    }

    internal static void FromAnActor(IActorRef coordinator)
    {
        coordinator.Tell(new RegisterThunk(Id: "sync-1", Keys: new HashSet<string> { "inbox" }));  // -> ThunkRegistered
        coordinator.Tell(new StartThunk("sync-1"));            // -> ThunkStarted once the tree has the lock
        coordinator.Tell(new DispatchThunkAction(new MarkRead(42), "sync-1"));
        coordinator.Tell(new CompleteThunk("sync-1"));         // -> ThunkCompleted; RootThunkCompleted on the stream
        coordinator.Tell(new DispatchThunkAction(new Refresh()));   // plain: applies when no tree holds a lock
    }
}
