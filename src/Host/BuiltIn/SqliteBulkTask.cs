using System.Diagnostics;
using System.Text.RegularExpressions;
using Actors.Tasks;
using Microsoft.Data.Sqlite;

namespace Actors.Host.BuiltIn;

/// <summary><c>sqlite.bulk</c>: bulk-inserts generated rows into a SQLite file in the data folder and reports rows per second.</summary>
public static partial class SqliteBulkTask
{
    private const int MaxRows = 5_000_000;

    /// <summary>The task type's definition.</summary>
    public static TaskDefinition Create(string dataFolder) =>
        TaskDefinition.Create<SqliteBulkInput, BulkResult>("sqlite.bulk", (input, context) => Task.Run(() => Insert(dataFolder, input, context), context.CancellationToken), TaskPresets.DatabaseOperations)
            .WithValidation<SqliteBulkInput>(Problem)
            .WithDescription($"Bulk-inserts generated rows into a SQLite file in the data folder (input: {{ rows, batchSize?, database? }}; rows up to {MaxRows:N0})");

    private static string? Problem(SqliteBulkInput? input) => input switch
    {
        null => "'input' is required: { \"rows\": 100000 }.",
        { Rows: < 1 or > MaxRows } => $"'rows' must be from 1 to {MaxRows}.",
        { BatchSize: < 1 or > 1_000_000 } => "'batchSize' must be from 1 to 1000000.",
        { Database: { } name } when !DatabaseName().IsMatch(name) => "'database' must be a file name of letters, digits, '-' and '_' (up to 64), optionally ending in .db.",
        _ => null,
    };

    private static BulkResult Insert(string dataFolder, SqliteBulkInput input, ITaskContext context)
    {
        Directory.CreateDirectory(dataFolder);
        var name = input.Database ?? "bulk";
        var path = Path.Combine(dataFolder, name.EndsWith(".db", StringComparison.Ordinal) ? name : name + ".db");
        using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Pooling = false, DefaultTimeout = 30 }.ToString());
        connection.Open();
        Execute(connection, "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA busy_timeout = 5000;"
            + "CREATE TABLE IF NOT EXISTS generated_rows (id INTEGER PRIMARY KEY, task_id TEXT NOT NULL, name TEXT NOT NULL, value REAL NOT NULL, created_at TEXT NOT NULL);");
        var batch = input.BatchSize ?? 10_000;
        var watch = Stopwatch.StartNew();
        for (var inserted = 0; inserted < input.Rows;)
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
        return new BulkResult(Path.GetFileName(path), input.Rows, seconds, input.Rows / Math.Max(seconds, 1e-6), (long)total.ExecuteScalar()!);
    }

    private static void InsertBatch(SqliteConnection connection, string taskId, int first, int count)
    {
        using var transaction = connection.BeginTransaction();
        using var command = connection.CreateCommand();
        command.CommandText = "INSERT INTO generated_rows (task_id, name, value, created_at) VALUES ($task, $name, $value, $created)";
        var task = command.Parameters.Add("$task", SqliteType.Text);
        var name = command.Parameters.Add("$name", SqliteType.Text);
        var value = command.Parameters.Add("$value", SqliteType.Real);
        var created = command.Parameters.Add("$created", SqliteType.Text);
        command.Prepare();
        task.Value = taskId;
        created.Value = DateTimeOffset.UtcNow.ToString("O");
        for (var i = first; i < first + count; i++)
        {
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

    [GeneratedRegex("^[A-Za-z0-9_-]{1,64}(\\.db)?$")]
    private static partial Regex DatabaseName();
}

/// <summary>The input of <c>sqlite.bulk</c>.</summary>
/// <param name="Rows">How many rows to insert.</param>
/// <param name="BatchSize">Rows per transaction; 10,000 by default.</param>
/// <param name="Database">The database file in the data folder; <c>bulk.db</c> by default.</param>
public sealed record SqliteBulkInput(int Rows, int? BatchSize = null, string? Database = null);

/// <summary>What <c>sqlite.bulk</c> did.</summary>
public sealed record BulkResult(string Database, int Rows, double Seconds, double RowsPerSecond, long RowsInTable);
