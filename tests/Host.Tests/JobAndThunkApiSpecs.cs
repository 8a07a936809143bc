using System.Net;

namespace Host.Tests;

public sealed class JobAndThunkApiSpecs : ApiSpec
{
    [Fact]
    public async Task A_counter_job_should_run_once_per_key_take_actions_show_its_state_and_stop()
    {
        var created = await Http.PostJsonAsync("/api/jobs/counters/c1", """{ "start": 10 }""");
        var again = await Http.PostJsonAsync("/api/jobs/counters/c1", "");
        var dispatched = await Http.PostJsonAsync("/api/jobs/counters/c1/actions", """{ "op": "add", "amount": 5 }""");
        var state = await Poll.UntilAsync(async () => await (await Http.GetAsync("/api/jobs/counters/c1")).ReadJsonAsync(),
            s => s.GetProperty("state").GetProperty("count").GetInt64() == 15);
        var keys = await (await Http.GetAsync("/api/jobs/counters")).ReadJsonAsync();
        var stopped = await Http.DeleteAsync("/api/jobs/counters/c1");

        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        Assert.False((await again.ReadJsonAsync()).GetProperty("created").GetBoolean());
        Assert.Equal(HttpStatusCode.Accepted, dispatched.StatusCode);
        Assert.Equal(15, state.GetProperty("state").GetProperty("count").GetInt64());
        Assert.Equal(["c1"], keys.EnumerateArray().Select(k => k.GetString()));
        Assert.Equal(HttpStatusCode.OK, stopped.StatusCode);
        Assert.Equal("stopped", (await stopped.ReadJsonAsync()).Text("reason"));
        Assert.Equal(HttpStatusCode.NotFound, (await Http.GetAsync("/api/jobs/counters/c1")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await Http.DeleteAsync("/api/jobs/counters/c1")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await Http.PostJsonAsync("/api/jobs/counters/c1/actions", """{ "op": "reset" }""")).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await Http.PostJsonAsync("/api/jobs/counters/c2/actions", """{ "op": "explode" }""")).StatusCode);
    }

    [Fact]
    public async Task A_transfer_should_move_money_atomically_and_bump_the_versions()
    {
        var deposit = await Http.PostJsonAsync("/api/thunks/deposits", """{ "account": "alice", "amount": 100 }""");
        var transfer = await Http.PostJsonAsync("/api/thunks/transfers", """{ "from": "alice", "to": "bob", "amount": 30 }""");
        var state = await (await Http.GetAsync("/api/thunks/state")).ReadJsonAsync();
        var summary = await (await Http.GetAsync("/api/thunks")).ReadJsonAsync();

        Assert.Equal(HttpStatusCode.OK, deposit.StatusCode);
        Assert.Equal(HttpStatusCode.OK, transfer.StatusCode);
        Assert.Equal(70, state.GetProperty("state").GetProperty("balances").GetProperty("alice").GetInt64());
        Assert.Equal(30, state.GetProperty("state").GetProperty("balances").GetProperty("bob").GetInt64());
        Assert.Equal(3, state.GetProperty("version").GetInt64());
        Assert.True(summary.GetProperty("version").GetInt64() >= 10);
        Assert.Equal(2, summary.GetProperty("metrics").GetProperty("treesCompleted").GetInt64());
        Assert.Equal(HttpStatusCode.BadRequest, (await Http.PostJsonAsync("/api/thunks/transfers", """{ "from": "alice", "to": "bob", "amount": -5 }""")).StatusCode);
    }
}
