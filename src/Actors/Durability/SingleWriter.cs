using Akka.Actor;
using Npgsql;

namespace Actors.Durability;

/// <summary>
/// One process writes a journal at a time: the first durable capability of an actor system claims the
/// store for the system's life, and a second process (or a second actor system) on the same store is
/// refused at start, before it writes anything. SQLite: an exclusive lock on <c>&lt;journal&gt;.lock</c>;
/// PostgreSQL: a session advisory lock on a connection held open. Both end with the process, even a killed one.
/// </summary>
/// <remarks>Off with <c>actors.durability.single-writer = off</c>, for a cluster, whose singletons keep to one writer themselves.</remarks>
internal sealed class SingleWriter : IExtension
{
    /// <summary>The advisory lock's key: "actorsjl" in ASCII, so other applications' keys are unlikely to meet it.</summary>
    private const long AdvisoryKey = 0x6163746f_72736a6c;

    private readonly Lock _gate = new();
    private IDisposable? _claim;

    /// <summary>Claims the store for <paramref name="system"/> (once; later calls do nothing), then prepares it: a refused process writes nothing.</summary>
    /// <exception cref="InvalidOperationException">Another process (or actor system) holds the store.</exception>
    public static void Claim(ActorSystem system, DurabilitySettings settings)
    {
        if (!settings.IsDurable)
        {
            return;
        }

        if (Configuration.ActorsConfig.For(system).GetBoolean("actors.durability.single-writer", true))
        {
            system.WithExtension<SingleWriter, SingleWriterProvider>().ClaimOnce(system, settings);
        }

        settings.PrepareStore();
    }

    private void ClaimOnce(ActorSystem system, DurabilitySettings settings)
    {
        lock (_gate)
        {
            if (_claim is not null)
            {
                return;
            }

            _claim = settings.Provider == DurabilityProvider.Sqlite ? ClaimFile(settings) : ClaimDatabase(settings);
            var claim = _claim;
            // Termination callbacks run before the system counts as terminated: a successor can claim right after.
            system.RegisterOnTermination(claim.Dispose);
        }
    }

    private static FileStream ClaimFile(DurabilitySettings settings)
    {
        var journal = Path.GetFullPath(settings.ConnectionString);
        var lockFile = journal + ".lock";
        Directory.CreateDirectory(Path.GetDirectoryName(journal)!);
        try
        {
            // FileShare.None is an exclusive flock on Unix and a share-none open on Windows: the OS drops it with the process.
            var held = new FileStream(lockFile, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            held.SetLength(0);
            using var writer = new StreamWriter(held, leaveOpen: true);
            writer.Write($"{Environment.ProcessId} {Environment.MachineName} {DateTimeOffset.UtcNow:O}");
            writer.Flush();
            return held;
        }
        catch (IOException e)
        {
            throw Taken($"the SQLite journal {journal} (its lock {lockFile} is held; the holder's process id is written in it)", e);
        }
    }

    private static NpgsqlConnection ClaimDatabase(DurabilitySettings settings)
    {
        // Not pooled: closing it must end the session, and with it the lock.
        var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(settings.ConnectionString) { Pooling = false }.ConnectionString);
        connection.Open();
        using var command = new NpgsqlCommand("SELECT pg_try_advisory_lock(@key)", connection);
        command.Parameters.AddWithValue("key", AdvisoryKey);
        if (command.ExecuteScalar() is true)
        {
            return connection;
        }

        connection.Dispose();
        var where = new NpgsqlConnectionStringBuilder(settings.ConnectionString);
        throw Taken($"the PostgreSQL journal in database '{where.Database}' on {where.Host}:{where.Port} (its advisory lock {AdvisoryKey} is held)", null);
    }

    /// <summary>
    /// In a cluster, a fence for one singleton's journal (<paramref name="name"/>): an advisory lock of its
    /// own on a connection held open, taken only while no one else holds it. A singleton that starts while
    /// its predecessor still runs (on a node cut off but not yet stopped) waits for it, whatever the
    /// cluster's timings. Null if another session holds it. PostgreSQL only (a cluster's journal).
    /// </summary>
    public static IDisposable? TryFence(DurabilitySettings settings, string name)
    {
        var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(settings.ConnectionString) { Pooling = false }.ConnectionString);
        try
        {
            connection.Open();
            // A dead machine's session (no FIN, no RST) must end in seconds, not after the kernel's 2-hour keepalive.
            using var command = new NpgsqlCommand(
                "SET tcp_keepalives_idle = 5; SET tcp_keepalives_interval = 2; SET tcp_keepalives_count = 3; SELECT pg_try_advisory_lock(@key)", connection);
            command.Parameters.AddWithValue("key", FenceKey(name));
            if (command.ExecuteScalar() is true)
            {
                return connection;
            }
        }
        catch
        {
            connection.Dispose();
            throw;
        }

        connection.Dispose();
        return null;
    }

    /// <summary>The fence's advisory key: the process lock's key mixed with the name (FNV-1a), never the process lock's own.</summary>
    private static long FenceKey(string name)
    {
        var hash = 14695981039346656037UL;
        foreach (var c in name)
        {
            hash = (hash ^ c) * 1099511628211UL;
        }

        var key = AdvisoryKey ^ (long)(hash >> 1);
        return key == AdvisoryKey ? key + 1 : key;
    }

    private static InvalidOperationException Taken(string what, Exception? cause) =>
        new($"Another process holds {what}: one process writes a journal at a time. Stop the other process, or give this one a journal of its own " +
            "(Durability:ConnectionString in the service, WithDurability(...) when embedded); to run several nodes on one journal, run them as a cluster.", cause);

    private sealed class SingleWriterProvider : ExtensionIdProvider<SingleWriter>
    {
        public override SingleWriter CreateExtension(ExtendedActorSystem system) => new();
    }
}
