using Actors.Durability;
using Microsoft.Data.Sqlite;

namespace Actors.Tasks;

/// <summary>
/// The task journal's table in its own SQLite file: one row per entry (its sequence number, manifest and JSON),
/// appended and deleted by row id on one connection that only the SQLite task journal actor uses.
/// </summary>
/// <remarks>
/// Synchronous on purpose: the journal actor runs on a dispatcher of its own, and Microsoft.Data.Sqlite's async
/// calls block anyway. <c>synchronous = FULL</c>: a committed entry survives a power cut, as the journal promises.
/// The writing connection never checkpoints the WAL itself (SQLite would do it inside a commit, copying megabytes and
/// syncing the file while every acknowledgement waits): <see cref="Checkpoint"/> does it from another connection.
/// </remarks>
internal sealed partial class SqliteTaskStore : IDisposable
{
    private readonly SqliteConnection _connection;
    private readonly SqliteCommand _insert;
    private readonly SqliteParameter _sequenceNr;
    private readonly SqliteParameter _manifest;
    private readonly SqliteParameter _payload;
    private readonly SqliteCommand _delete;
    private readonly SqliteParameter _deleted;
    private readonly ActorsJsonSerializer _serializer;

    private SqliteTaskStore(SqliteConnection connection, ActorsJsonSerializer serializer)
    {
        _connection = connection;
        _serializer = serializer;
        _insert = connection.CreateCommand();
        _insert.CommandText = "INSERT INTO task_entries (sequence_nr, manifest, payload) VALUES ($nr, $manifest, $payload)";
        _sequenceNr = _insert.Parameters.Add("$nr", SqliteType.Integer);
        _manifest = _insert.Parameters.Add("$manifest", SqliteType.Text);
        _payload = _insert.Parameters.Add("$payload", SqliteType.Blob);
        _delete = connection.CreateCommand();
        _delete.CommandText = "DELETE FROM task_entries WHERE sequence_nr = $nr";
        _deleted = _delete.Parameters.Add("$nr", SqliteType.Integer);
    }

    /// <summary>The file the task journal keeps beside the journal <paramref name="journalFile"/>.</summary>
    public static string FileBeside(string journalFile) => Path.ChangeExtension(Path.GetFullPath(journalFile), ".tasks.db");

    /// <summary>Opens (creating it if need be) the task journal at <paramref name="file"/>.</summary>
    public static SqliteTaskStore Open(string file, ActorsJsonSerializer serializer)
    {
        var connection = Connect(file);
        try
        {
            Execute(connection, "PRAGMA wal_autocheckpoint = 0;");
            return new SqliteTaskStore(connection, serializer);
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Copies the WAL's committed pages into the file at <paramref name="file"/>, on a connection of its own, beside the writer:
    /// a passive checkpoint never blocks it, and the writer starts the WAL over once one has copied everything.
    /// </summary>
    public static void Checkpoint(string file)
    {
        using var connection = OpenConnection(file, SqliteOpenMode.ReadWrite);
        Execute(connection, "PRAGMA wal_checkpoint(PASSIVE);");
    }

    /// <summary>A connection of its own to the task journal at <paramref name="file"/>, its tables created if missing.</summary>
    public static SqliteConnection Connect(string file)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(file)!);
        var connection = OpenConnection(file, SqliteOpenMode.ReadWriteCreate);
        try
        {
            Execute(connection, """
                PRAGMA journal_mode = WAL;
                PRAGMA synchronous = FULL;
                CREATE TABLE IF NOT EXISTS task_entries (sequence_nr INTEGER PRIMARY KEY, manifest TEXT NOT NULL, payload BLOB NOT NULL);
                CREATE TABLE IF NOT EXISTS task_journal_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
                """);
            return connection;
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    /// <summary>Whether the entries an older version kept in the Akka.Persistence journal have been taken over (or there were none).</summary>
    public bool LegacyTakenOver
    {
        get
        {
            using var command = _connection.CreateCommand();
            command.CommandText = "SELECT count(*) FROM task_journal_meta WHERE key = 'legacy-taken-over'";
            return Convert.ToInt64(command.ExecuteScalar()) > 0;
        }
    }

    /// <summary>
    /// Whether the Akka.Persistence journal or snapshot store an older version wrote the task journal to (<paramref name="journalFile"/>,
    /// <paramref name="snapshotFile"/>) holds any of its entries.
    /// </summary>
    public static bool LegacyJournalHoldsTasks(string journalFile, string snapshotFile) =>
        LegacyRowsExist(journalFile, "event_journal", " AND is_deleted = 0") || LegacyRowsExist(snapshotFile, "snapshot", "");

    /// <remarks>Akka.Persistence.Sql keeps the last deleted event of a journal (marked deleted) to remember its sequence number.</remarks>
    private static bool LegacyRowsExist(string file, string table, string andLive)
    {
        if (!File.Exists(file))
        {
            return false;
        }

        using var connection = OpenConnection(file, SqliteOpenMode.ReadOnly);
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = $table";
        command.Parameters.AddWithValue("$table", table);
        if (Convert.ToInt64(command.ExecuteScalar()) == 0)
        {
            return false;
        }

        command.CommandText = $"SELECT EXISTS (SELECT 1 FROM {table} WHERE persistence_id = '{TaskJournal.Id}'{andLive})";
        return Convert.ToInt64(command.ExecuteScalar()) > 0;
    }

    /// <summary>
    /// In one transaction: appends <paramref name="entries"/> as rows numbered from <paramref name="firstSequenceNr"/>, deletes
    /// the rows <paramref name="deletes"/>, and (once) marks the legacy journal as taken over. All or nothing.
    /// </summary>
    public void Write(IReadOnlyList<IStored> entries, long firstSequenceNr, IReadOnlyList<long> deletes, bool markLegacyTakenOver = false)
    {
        using var transaction = _connection.BeginTransaction();
        _insert.Transaction = transaction;
        for (var i = 0; i < entries.Count; i++)
        {
            _sequenceNr.Value = firstSequenceNr + i;
            _manifest.Value = _serializer.Manifest(entries[i]);
            _payload.Value = _serializer.ToBinary(entries[i]);
            _insert.ExecuteNonQuery();
        }

        _delete.Transaction = transaction;
        foreach (var sequenceNr in deletes)
        {
            _deleted.Value = sequenceNr;
            _delete.ExecuteNonQuery();
        }

        if (markLegacyTakenOver)
        {
            using var mark = _connection.CreateCommand();
            mark.Transaction = transaction;
            mark.CommandText = "INSERT OR REPLACE INTO task_journal_meta (key, value) VALUES ('legacy-taken-over', $at)";
            mark.Parameters.AddWithValue("$at", DateTimeOffset.UtcNow.ToString("O"));
            mark.ExecuteNonQuery();
        }

        transaction.Commit();
    }

    public void Dispose()
    {
        _insert.Dispose();
        _delete.Dispose();
        _connection.Dispose();
    }

    /// <remarks>Unpooled: each connection is the only one of its thread (the writer's, a checkpoint's, a one-off check), and closing it must close the file.</remarks>
    private static SqliteConnection OpenConnection(string file, SqliteOpenMode mode)
    {
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = file, Mode = mode, DefaultTimeout = 30, Pooling = false }.ToString());
        try
        {
            connection.Open();
            return connection;
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    private static void Execute(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }
}
