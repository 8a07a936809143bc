using System.Collections.Immutable;
using Actors.Hosting;
using Actors.Thunks;
using Akka.Actor;
using Akka.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Xunit.Abstractions;

namespace Actors.Tests.Thunks;

public sealed class ProcessorSpecs(ITestOutputHelper output) : Akka.TestKit.Xunit2.TestKit(output: output)
{
    [Fact]
    public async Task RunAsync_should_run_a_tree_with_children_atomically_and_complete_it()
    {
        var thunks = ThunkSystem.Start(Sys, ImmutableList<string>.Empty, (log, action) => log.Add((string)action));
        Sys.EventStream.Subscribe(TestActor, typeof(RootThunkCompleted));

        var result = await thunks.Processor.RunAsync(async root =>
        {
            root.Dispatch("root:start");
            await root.RunChildAsync(async child =>
            {
                child.Dispatch("child:1");
                await child.DispatchAsync("child:2");
            });
            await root.DispatchAsync("root:end");
            return root.ThunkId;
        });

        Assert.Equal(result, ExpectMsg<RootThunkCompleted>().RootId);
        var state = await thunks.Store.Ask<StoreStateChanged<ImmutableList<string>>>(GetStoreState.Instance);
        Assert.Equal(["root:start", "child:1", "child:2", "root:end"], state.State);
        Assert.Equal(4, state.Version);
    }

    [Fact]
    public async Task A_throwing_body_should_fail_its_thunk_rethrow_undo_its_actions_and_release_the_lock()
    {
        var thunks = ThunkSystem.Start(Sys, 0, (count, _) => count + 1);
        var failed = CreateTestProbe();
        Sys.EventStream.Subscribe(failed.Ref, typeof(ThunkFailed));

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => thunks.Processor.RunAsync(async root =>
        {
            await root.DispatchAsync("one");
            throw new InvalidOperationException("quota exceeded");
        }));
        await thunks.Processor.RunAsync(root => root.DispatchAsync("after"));

        Assert.Equal("quota exceeded", error.Message);
        Assert.Contains("quota exceeded", failed.ExpectMsg<ThunkFailed>().Error);
        Assert.Equal(1, (await thunks.Store.Ask<StoreStateChanged<int>>(GetStoreState.Instance)).State); // "one" was undone, "after" applied
    }

    [Fact]
    public async Task A_transfer_should_be_seen_whole_or_not_at_all_and_a_refused_step_should_undo_the_others()
    {
        var thunks = ThunkSystem.Start(Sys, ImmutableDictionary<string, int>.Empty.Add("a", 10), static (accounts, action) => action switch
        {
            (string account, int amount) when accounts.GetValueOrDefault(account) + amount < 0 => throw new InvalidOperationException($"{account} would go below 0"),
            (string account, int amount) => accounts.SetItem(account, accounts.GetValueOrDefault(account) + amount),
            _ => accounts,
        });
        var withdrawn = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var mayDeposit = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        var transfer = thunks.Processor.RunAsync(async root =>
        {
            await root.DispatchAsync(("a", -4));
            withdrawn.SetResult();
            await mayDeposit.Task;
            await root.RunChildAsync(child => child.DispatchAsync(("b", 4)));
        }, new ThunkOptions(Keys: new HashSet<string> { "a", "b" }));
        await withdrawn.Task;
        var midway = (await thunks.Store.Ask<StoreStateChanged<ImmutableDictionary<string, int>>>(GetStoreState.Instance)).State;
        mayDeposit.SetResult();
        await transfer;
        var after = (await thunks.Store.Ask<StoreStateChanged<ImmutableDictionary<string, int>>>(GetStoreState.Instance)).State;
        var refused = await Assert.ThrowsAsync<ThunkRejectedException>(() => thunks.Processor.RunAsync(async root =>
        {
            await root.DispatchAsync(("b", 1));
            await root.DispatchAsync(("a", -100));
        }, new ThunkOptions(Keys: new HashSet<string> { "a", "b" })));
        var final = (await thunks.Store.Ask<StoreStateChanged<ImmutableDictionary<string, int>>>(GetStoreState.Instance)).State;

        Assert.Equal((10, 0), (midway.GetValueOrDefault("a"), midway.GetValueOrDefault("b")));
        Assert.Equal((6, 4), (after["a"], after["b"]));
        Assert.Contains("below 0", refused.Message);
        Assert.Equal((6, 4), (final["a"], final["b"])); // the refused tree's deposit into b was undone
    }

    [Fact]
    public async Task Cancelling_RunAsync_while_it_waits_for_the_lock_should_withdraw_its_tree()
    {
        var thunks = ThunkSystem.Start(Sys, 0, (count, _) => count + 1);
        var holder = CreateTestProbe();
        thunks.Coordinator.Tell(new RegisterThunk("holder"), holder.Ref);
        holder.ExpectMsg<ThunkRegistered>();
        thunks.Coordinator.Tell(new StartThunk("holder"), holder.Ref);
        holder.ExpectMsg<ThunkStarted>();
        using var cancel = new CancellationTokenSource();

        var waiting = thunks.Processor.RunAsync(_ => Task.CompletedTask, new ThunkOptions(Id: "patient"), cancel.Token);
        await AwaitAssertAsync(async () => Assert.Equal(["patient"], (await thunks.Coordinator.Ask<ThunkSummary>(GetThunkSummary.Instance)).WaitingRoots));
        cancel.Cancel();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiting);
        await AwaitAssertAsync(async () => Assert.Empty((await thunks.Coordinator.Ask<ThunkSummary>(GetThunkSummary.Instance)).WaitingRoots));
        thunks.Coordinator.Tell(new CompleteThunk("holder"), holder.Ref);
        holder.ExpectMsg<ThunkCompleted>();
        Assert.Empty((await thunks.Coordinator.Ask<ThunkSummary>(GetThunkSummary.Instance)).ActiveRoots);
    }

    [Fact]
    public async Task RunAsync_should_refuse_bad_options_with_a_clear_error()
    {
        var thunks = ThunkSystem.Start(Sys, 0, (count, _) => count + 1);

        var error = await Assert.ThrowsAsync<ThunkRejectedException>(() =>
            thunks.Processor.RunAsync(_ => Task.CompletedTask, new ThunkOptions(Timeout: TimeSpan.Zero)));

        Assert.Contains("timeout must be positive", error.Message);
    }
}

public sealed class ThunksHostingSpecs
{
    [Fact]
    public async Task WithThunks_should_register_the_processor_in_DI_and_the_coordinator_in_the_registry_under_the_facade()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Services.AddActors("thunks-hosted", (akka, _) => akka.WithThunks(0, (count, _) => count + 1));
        using var host = builder.Build();
        await host.StartAsync();

        var processor = host.Services.GetRequiredService<IThunkProcessor>();
        var coordinator = await host.Services.GetRequiredService<IRequiredActor<IThunkProcessor>>().GetAsync();
        await processor.RunAsync(root => root.DispatchAsync("tick"));

        Assert.Equal(processor.Coordinator, coordinator);
        Assert.Equal((1L, 1), ((await processor.GetStateAsync<int>()).Version, (await processor.GetStateAsync<int>()).State));
        Assert.Empty((await processor.GetSummaryAsync()).Thunks);
        await Assert.ThrowsAsync<InvalidOperationException>(() => processor.GetStateAsync<string>());
        await host.StopAsync();
    }
}
