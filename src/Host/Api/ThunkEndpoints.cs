using Actors.Host.Demo;
using Actors.Thunks;

namespace Actors.Host.Api;

/// <summary><c>/api/thunks</c>: the coordinator's summary, the store's state, and the demo ledger flows.</summary>
internal static class ThunkEndpoints
{
    public static void MapThunkEndpoints(this RouteGroupBuilder api)
    {
        var thunks = api.MapGroup("/thunks").WithTags("Thunks");
        thunks.MapGet("/", async (IThunkProcessor processor, CancellationToken ct) =>
            Results.Ok(await processor.GetSummaryAsync(ct)))
            .WithSummary("The coordinator's summary: version, lock holders, waiting trees, thunks, queued actions, metrics").Produces<ThunkSummary>();
        thunks.MapGet("/state", async (IThunkProcessor processor, CancellationToken ct) =>
            Results.Ok(await processor.GetStateAsync<Ledger>(ct)))
            .WithSummary("The state store's state (the demo ledger) and its version").Produces<StoreStateChanged<Ledger>>();
        thunks.MapPost("/deposits", async (HttpRequest request, IThunkProcessor processor, JsonBody reader, CancellationToken ct) =>
        {
            var (deposit, problem) = await reader.ReadAsync<DepositRequest>(request, "body", ct);
            if (problem is not null || deposit is null)
            {
                return problem ?? Problems.BadRequest("The body must be { \"account\": \"a\", \"amount\": 100 }.", "body");
            }

            if (Check(deposit.Account, "account", deposit.Amount) is { } invalid)
            {
                return invalid;
            }

            return await AllOrNothingAsync("deposit", () => processor.RunAsync(ctx => ctx.DispatchAsync(new Deposit(deposit.Account, deposit.Amount), ct),
                new ThunkOptions(Keys: new HashSet<string> { deposit.Account }), ct));
        }).WithSummary("Deposit into an account (a one-thunk tree)").Accepts<DepositRequest>("application/json").Produces(200).ProducesProblem(400).ProducesProblem(409);
        thunks.MapPost("/transfers", async (HttpRequest request, IThunkProcessor processor, JsonBody reader, CancellationToken ct) =>
        {
            var (transfer, problem) = await reader.ReadAsync<TransferRequest>(request, "body", ct);
            if (problem is not null || transfer is null)
            {
                return problem ?? Problems.BadRequest("The body must be { \"from\": \"a\", \"to\": \"b\", \"amount\": 10 }.", "body");
            }

            if ((Check(transfer.From, "from", transfer.Amount) ?? Check(transfer.To, "to", transfer.Amount)) is { } invalid)
            {
                return invalid;
            }

            if (transfer.From == transfer.To)
            {
                return Problems.BadRequest("'from' and 'to' must be different accounts.", "to");
            }

            if (transfer.PauseMs is < 0 or > 60_000)
            {
                return Problems.BadRequest("'pauseMs' must be from 0 to 60000.", "pauseMs");
            }

            // Withdraw, then deposit in a child thunk: the tree holds both accounts' locks until both are applied,
            // and the store commits both or neither.
            return await AllOrNothingAsync("transfer", () => processor.RunAsync(async ctx =>
            {
                await ctx.DispatchAsync(new Withdraw(transfer.From, transfer.Amount), ct);
                if (transfer.PauseMs > 0)
                {
                    await Task.Delay(transfer.PauseMs, ct);
                }

                await ctx.RunChildAsync(child => child.DispatchAsync(new Deposit(transfer.To, transfer.Amount), ct), ct);
            }, new ThunkOptions(Keys: new HashSet<string> { transfer.From, transfer.To }), ct));
        }).WithSummary("Move an amount between accounts atomically (a thunk tree holding both accounts' locks); 409 if 'from' holds less")
            .Accepts<TransferRequest>("application/json").Produces(200).ProducesProblem(400).ProducesProblem(409);
    }

    /// <summary>
    /// Runs a ledger flow: 200, or 409 when an action of it was refused (a withdrawal beyond the balance, a tree
    /// that timed out): its tree failed, and the store undid whatever of it had applied.
    /// </summary>
    private static async Task<IResult> AllOrNothingAsync(string what, Func<Task> flow)
    {
        try
        {
            await flow();
            return Results.Ok();
        }
        catch (ThunkRejectedException refused)
        {
            return Problems.Conflict($"The {what} was refused and nothing moved: {refused.Message}");
        }
    }

    private static IResult? Check(string? account, string field, long amount) =>
        string.IsNullOrWhiteSpace(account) || account.Length > 64 ? Problems.BadRequest($"'{field}' must be an account name of 1 to 64 characters.", field)
        : amount is <= 0 or > 1_000_000_000 ? Problems.BadRequest("'amount' must be from 1 to 1000000000.", "amount")
        : null;
}
