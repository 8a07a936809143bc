using System.Net;
using System.Text.Json;

namespace Host.Tests;

/// <summary>The demo ledger across kill -9 of the real process: money is neither lost nor made, and no dead tree holds a lock.</summary>
public sealed class LedgerCrashSpecs
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    [Fact]
    [Trait("Category", "Soak")]
    public async Task After_kill_9_during_transfers_the_balances_should_sum_to_what_was_deposited_and_new_deposits_should_not_wait()
    {
        var folder = Directory.CreateTempSubdirectory("actors-ledger-");
        string[] accounts = ["a", "b", "c", "d"];
        await using (var first = await ServiceProcess.StartAsync(Patience, workingDirectory: folder))
        {
            using var http = new HttpClient { BaseAddress = first.BaseAddress };
            foreach (var account in accounts)
            {
                Assert.Equal(HttpStatusCode.OK, (await http.PostJsonAsync("/api/thunks/deposits", JsonSerializer.Serialize(new { account, amount = 1250 }))).StatusCode);
            }

            // The deposits are acknowledged before their checkpoint is stored (docs/durability.md): wait until it is.
            var snapshots = Path.Combine(folder.FullName, "data", "journal.snapshots.db");
            await Poll.UntilAsync(() => StoredStoreVersionAsync(snapshots), v => v >= accounts.Length, Patience);

            // Transfers keep running until the kill; some are mid-tree when it comes.
            using var stop = new CancellationTokenSource();
            var transfers = Enumerable.Range(0, 8).Select(i => TransferUntilAsync(http, accounts[i % 4], accounts[(i + 1) % 4], stop.Token)).ToArray();
            await Poll.UntilAsync(async () => (await (await http.GetAsync("/api/thunks/state")).ReadJsonAsync()).GetProperty("version").GetInt64(), v => v >= 50);
            await first.KillAsync();
            await stop.CancelAsync();
            await Task.WhenAll(transfers);
        }

        await using var second = await ServiceProcess.StartAsync(Patience, workingDirectory: folder);
        using var again = new HttpClient { BaseAddress = second.BaseAddress };
        var state = await (await again.GetAsync("/api/thunks/state")).ReadJsonAsync();
        var balances = state.GetProperty("state").GetProperty("balances");
        var deposit = await again.PostJsonAsync("/api/thunks/deposits", """{ "account": "a", "amount": 1 }""").WaitAsync(TimeSpan.FromSeconds(5));
        var summary = await (await again.GetAsync("/api/thunks")).ReadJsonAsync();

        Assert.Equal(5_000, accounts.Sum(a => balances.GetProperty(a).GetInt64()));
        Assert.All(accounts, a => Assert.True(balances.GetProperty(a).GetInt64() >= 0, $"{a} is negative"));
        Assert.Equal(HttpStatusCode.OK, deposit.StatusCode);
        Assert.Empty(summary.GetProperty("activeRoots").EnumerateArray());
    }

    [Fact]
    public async Task A_transfer_beyond_the_balance_should_get_409_and_move_nothing()
    {
        await using var service = new ServiceFactory();
        using var http = service.CreateClient();
        await http.PostJsonAsync("/api/thunks/deposits", """{ "account": "x", "amount": 10 }""");

        var refused = await http.PostJsonAsync("/api/thunks/transfers", """{ "from": "x", "to": "y", "amount": 11 }""");
        var state = await (await http.GetAsync("/api/thunks/state")).ReadJsonAsync();

        Assert.Equal(HttpStatusCode.Conflict, refused.StatusCode);
        Assert.Contains("holds 10, less than 11", (await refused.ReadJsonAsync()).Text("detail"));
        Assert.Equal(10, state.GetProperty("state").GetProperty("balances").GetProperty("x").GetInt64());
        Assert.False(state.GetProperty("state").GetProperty("balances").TryGetProperty("y", out _));
    }

    /// <summary>The store version in the thunk coordinator's stored checkpoint (0 while there is none).</summary>
    private static async Task<long> StoredStoreVersionAsync(string snapshots)
    {
        try
        {
            await using var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={snapshots};Mode=ReadOnly");
            await connection.OpenAsync();
            await using var command = connection.CreateCommand();
            command.CommandText = "SELECT payload FROM snapshot WHERE persistence_id = 'actors-thunks' ORDER BY created_at DESC LIMIT 1";
            return await command.ExecuteScalarAsync() is byte[] payload ? JsonDocument.Parse(payload).RootElement.GetProperty("StoreVersion").GetInt64() : 0;
        }
        catch (Microsoft.Data.Sqlite.SqliteException)
        {
            return 0; // not created yet
        }
    }

    private static async Task TransferUntilAsync(HttpClient http, string from, string to, CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            try
            {
                await http.PostJsonAsync("/api/thunks/transfers", JsonSerializer.Serialize(new { from, to, amount = 7 }));
            }
            catch (HttpRequestException)
            {
                return; // the process is gone
            }
        }
    }
}
