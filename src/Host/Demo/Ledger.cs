using System.Collections.Immutable;

namespace Actors.Host.Demo;

/// <summary>
/// The demo thunk flow's state: account balances. A transfer is a thunk tree (withdraw, then a child
/// that deposits) that holds the lock on both accounts; the store commits it whole or not at all, so no
/// reader sees money half moved, and a withdrawal beyond the balance fails the transfer with nothing moved.
/// </summary>
public sealed record Ledger(ImmutableSortedDictionary<string, long> Balances, long Operations)
{
    /// <summary>No accounts.</summary>
    public static Ledger Empty { get; } = new(ImmutableSortedDictionary<string, long>.Empty, 0);

    /// <summary>The reducer the state store applies.</summary>
    public static Ledger Apply(Ledger ledger, object action) => action switch
    {
        Deposit d => ledger with { Balances = ledger.Balances.SetItem(d.Account, ledger.Balances.GetValueOrDefault(d.Account) + d.Amount), Operations = ledger.Operations + 1 },
        Withdraw w when ledger.Balances.GetValueOrDefault(w.Account) < w.Amount =>
            throw new InsufficientFundsException($"'{w.Account}' holds {ledger.Balances.GetValueOrDefault(w.Account)}, less than {w.Amount}."),
        Withdraw w => ledger with { Balances = ledger.Balances.SetItem(w.Account, ledger.Balances.GetValueOrDefault(w.Account) - w.Amount), Operations = ledger.Operations + 1 },
        _ => throw new ArgumentException($"The ledger does not know {action.GetType().Name}.", nameof(action)),
    };
}

/// <summary>Adds to an account.</summary>
public sealed record Deposit(string Account, long Amount);

/// <summary>Takes from an account.</summary>
public sealed record Withdraw(string Account, long Amount);

/// <summary>The body of <c>POST /api/thunks/transfers</c>.</summary>
/// <param name="From">The account to take from.</param>
/// <param name="To">The account to add to.</param>
/// <param name="Amount">How much.</param>
/// <param name="PauseMs">
/// How long the transfer holds both accounts' locks between its withdrawal and its deposit (0 to 60000): a demo of
/// atomicity, as no reader ever sees the amount half moved, and what a test needs to stop a node mid-transfer.
/// </param>
public sealed record TransferRequest(string From, string To, long Amount, int PauseMs = 0);

/// <summary>The body of <c>POST /api/thunks/deposits</c>.</summary>
public sealed record DepositRequest(string Account, long Amount);

/// <summary>A withdrawal beyond an account's balance.</summary>
public sealed class InsufficientFundsException(string message) : InvalidOperationException(message);
