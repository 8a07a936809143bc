using System.Diagnostics;
using System.Text.RegularExpressions;
using Actors.Tasks;
using Microsoft.Data.Sqlite;

namespace Actors.Host.BuiltIn;

/// <summary>
/// <c>sqlite.bulk</c>: bulk-inserts generated rows into a SQLite file of its own folder (<c>&lt;DataFolder&gt;/bulk</c>,
/// which never holds the service's journal) and reports rows per second. Safe to run again: each row is
/// keyed by its task and number, so an attempt after a cut-off one goes on where that one's last batch ended.
/// </summary>
public static partial class SqliteBulkTask
{
    private const int MaxRows = 5_000_000;

    /// <summary>The folder under the data folder that holds the task's databases.</summary>
    public const string Folder = "bulk";

    /// <summary>The task type's definition.</summary>
    /// <param name="dataFolder">The service's data folder; databases go to its <see cref="Folder"/> subfolder.</param>
    public static TaskDefinition Create(string dataFolder) =>
        TaskDefinition.Create<SqliteBulkInput, BulkResult>("sqlite.bulk", (input, context) => Task.Run(() => Insert(Path.Combine(dataFolder, Folder), input, context), context.CancellationToken),
                TaskPresets.DatabaseOperations)
            .WithValidation<SqliteBulkInput>(Problem)
            .WithDescription($"Bulk-inserts generated rows into a SQLite file in the data folder's bulk folder (input: {{ rows, batchSize?, database? }}; rows up to {MaxRows:N0})");

    private static string? Problem(SqliteBulkInput? input) => input switch
    {
        null => "'input' is required: { \"rows\": 100000 }.",
        { Rows: < 1 or > MaxRows } => $"'rows' must be from 1 to {MaxRows}.",
        { BatchSize: < 1 or > 1_000_000 } => "'batchSize' must be from 1 to 1000000.",
        { Database: { } name } when !IsDatabaseName(name) => "'database' must be a file name of letters, digits, '-' and '_' (up to 64), optionally ending in .db.",
        _ => null,
    };

    private static BulkResult Insert(string folder, SqliteBulkInput input, ITaskContext context)
    {
        Directory.CreateDirectory(folder);
        var path = Path.Combine(folder, FileName(input.Database ?? "bulk"));
        using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Pooling = false, DefaultTimeout = 30 }.ToString());
        connection.Open();
        Execute(connection, "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA busy_timeout = 5000;"
            + "CREATE TABLE IF NOT EXISTS generated_rows (task_id TEXT NOT NULL, seq INTEGER NOT NULL, name TEXT NOT NULL, value REAL NOT NULL, created_at TEXT NOT NULL,"
            + " PRIMARY KEY (task_id, seq)) WITHOUT ROWID;");
        var batch = input.BatchSize ?? 10_000;
        var watch = Stopwatch.StartNew();

        // Batches commit whole and in order, so an earlier attempt's rows are a prefix: go on after it.
        var done = RowsOf(connection, context.TaskId);
        for (var inserted = done; inserted < input.Rows;)
        {
            context.CancellationToken.ThrowIfCancellationRequested();
            var count = Math.Min(batch, input.Rows - inserted);
            InsertBatch(connection, context.TaskId, inserted, count);
            inserted += count;
            context.ReportProgress(100.0 * inserted / input.Rows, $"{inserted:N0} rows");
        }

        var seconds = watch.Elapsed.TotalSeconds;
        using var total = connection.CreateCommand();
        total.CommandText = "SELECT COUNT(*) FROM generated_rows";
        return new BulkResult(Path.GetFileName(path), input.Rows, seconds, (input.Rows - done) / Math.Max(seconds, 1e-6), (long)total.ExecuteScalar()!, done);
    }

    private static int RowsOf(SqliteConnection connection, string taskId)
    {
        using var count = connection.CreateCommand();
        count.CommandText = "SELECT COUNT(*) FROM generated_rows WHERE task_id = $task";
        count.Parameters.AddWithValue("$task", taskId);
        return (int)(long)count.ExecuteScalar()!;
    }

    private static void InsertBatch(SqliteConnection connection, string taskId, int first, int count)
    {
        using var transaction = connection.BeginTransaction();
        using var command = connection.CreateCommand();
        // OR IGNORE: a row an earlier attempt stored is not stored twice.
        command.CommandText = "INSERT OR IGNORE INTO generated_rows (task_id, seq, name, value, created_at) VALUES ($task, $seq, $name, $value, $created)";
        var task = command.Parameters.Add("$task", SqliteType.Text);
        var seq = command.Parameters.Add("$seq", SqliteType.Integer);
        var name = command.Parameters.Add("$name", SqliteType.Text);
        var value = command.Parameters.Add("$value", SqliteType.Real);
        var created = command.Parameters.Add("$created", SqliteType.Text);
        command.Prepare();
        task.Value = taskId;
        created.Value = DateTimeOffset.UtcNow.ToString("O");
        for (var i = first; i < first + count; i++)
        {
            seq.Value = i;
            name.Value = $"row-{i}";
            value.Value = i * 0.5;
            command.ExecuteNonQuery();
        }

        transaction.Commit();
    }

    private static void Execute(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    /// <summary>Whether <paramref name="name"/> is a database name the bulk folder takes: letters, digits, '-' and '_', optionally ending in .db.</summary>
    internal static bool IsDatabaseName(string name) => DatabaseName().IsMatch(name);

    /// <summary>The file of a database name: the name, with <c>.db</c> added if it lacks it.</summary>
    internal static string FileName(string name) => name.EndsWith(".db", StringComparison.Ordinal) ? name : name + ".db";

    [GeneratedRegex("^[A-Za-z0-9_-]{1,64}(\\.db)?$")]
    private static partial Regex DatabaseName();
}

/// <summary>The input of <c>sqlite.bulk</c>.</summary>
/// <param name="Rows">How many rows to insert.</param>
/// <param name="BatchSize">Rows per transaction; 10,000 by default.</param>
/// <param name="Database">The database file in <c>&lt;DataFolder&gt;/bulk</c>; <c>bulk.db</c> by default.</param>
public sealed record SqliteBulkInput(int Rows, int? BatchSize = null, string? Database = null);

/// <summary>What <c>sqlite.bulk</c> did.</summary>
/// <param name="Database">The database file's name.</param>
/// <param name="Rows">The rows the task asked for.</param>
/// <param name="Seconds">How long this attempt inserted.</param>
/// <param name="RowsPerSecond">This attempt's rate.</param>
/// <param name="RowsInTable">Rows in the table afterwards, every task's.</param>
/// <param name="RowsFromEarlierAttempts">Rows an earlier, cut-off attempt had stored (not inserted again).</param>
public sealed record BulkResult(string Database, int Rows, double Seconds, double RowsPerSecond, long RowsInTable, int RowsFromEarlierAttempts);
