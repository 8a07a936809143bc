using Actors.Tasks;
using Microsoft.Data.Sqlite;

namespace Actors.Host.BuiltIn;

/// <summary>
/// <c>sqlite.insert</c>: stores one record (key and value) in a SQLite file of the bulk folder, durably (the commit is on
/// disk when the task completes). A batching type: up to 200 waiting inserts share one transaction (one fsync), so a
/// stream of small inserts costs little more than one bulk insert, while each task keeps its own result and events.
/// Safe to run again: a key's row is replaced.
/// </summary>
public static class SqliteInsertTask
{
    /// <summary>The batch size and linger window of the service's <c>sqlite.insert</c>.</summary>
    public static readonly TaskBatching Batching = new(200, TimeSpan.FromMilliseconds(5));

    /// <summary>The task type's definition.</summary>
    /// <param name="dataFolder">The service's data folder; databases go to its <see cref="SqliteBulkTask.Folder"/> subfolder.</param>
    /// <param name="batching">How inserts are batched; null for one transaction per task (for comparison).</param>
    /// <param name="type">The type's name.</param>
    public static TaskDefinition Create(string dataFolder, TaskBatching? batching, string type = "sqlite.insert")
    {
        var folder = Path.Combine(dataFolder, SqliteBulkTask.Folder);
        var settings = TaskPresets.DatabaseOperations.WithConcurrencyLimit(Math.Max(TaskPresets.DatabaseOperations.ConcurrencyLimit, 2 * (batching?.MaxSize ?? 0)));
        var definition = batching is null
            ? TaskDefinition.Create<SqliteInsertInput, InsertResult>(type, (input, context) => Task.Run(() => Insert(folder, [input], [context.TaskId])[0], context.CancellationToken), settings)
            : TaskDefinition.CreateBatched<SqliteInsertInput, InsertResult>(type,
                (inputs, context) => Task.Run(() => Insert(folder, inputs, context.TaskIds), context.CancellationToken), settings, batching);
        return definition.WithValidation<SqliteInsertInput>(Problem)
            .WithDescription("Stores one record durably in a SQLite file of the bulk folder (input: { key, value, database? }); waiting inserts share a transaction (batches of up to 200)");
    }

    private static string? Problem(SqliteInsertInput? input) => input switch
    {
        null => "'input' is required: { \"key\": \"k1\", \"value\": \"...\" }.",
        { Key: null or "" } or { Key.Length: > 200 } => "'key' must be 1 to 200 characters.",
        { Value: null } or { Value.Length: > 64 * 1024 } => "'value' is required, up to 65536 characters.",
        { Database: { } name } when !SqliteBulkTask.IsDatabaseName(name) => "'database' must be a file name of letters, digits, '-' and '_' (up to 64), optionally ending in .db.",
        _ => null,
    };

    /// <summary>Stores the records, one transaction per database, and says for each where it went and how many shared its transaction.</summary>
    private static IReadOnlyList<InsertResult> Insert(string folder, IReadOnlyList<SqliteInsertInput> inputs, IReadOnlyList<string> taskIds)
    {
        Directory.CreateDirectory(folder);
        var results = new InsertResult[inputs.Count];
        foreach (var database in inputs.Select((input, i) => (input, i)).GroupBy(x => SqliteBulkTask.FileName(x.input.Database ?? "records")))
        {
            using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = Path.Combine(folder, database.Key), DefaultTimeout = 30 }.ToString());
            connection.Open();
            using (var setup = connection.CreateCommand())
            {
                setup.CommandText = "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA busy_timeout = 5000;"
                    + "CREATE TABLE IF NOT EXISTS records (key TEXT PRIMARY KEY, value TEXT NOT NULL, task_id TEXT NOT NULL, stored_at TEXT NOT NULL) WITHOUT ROWID;";
                setup.ExecuteNonQuery();
            }

            using var transaction = connection.BeginTransaction();
            using var command = connection.CreateCommand();
            command.CommandText = "INSERT OR REPLACE INTO records (key, value, task_id, stored_at) VALUES ($key, $value, $task, $at)";
            var key = command.Parameters.Add("$key", SqliteType.Text);
            var value = command.Parameters.Add("$value", SqliteType.Text);
            var task = command.Parameters.Add("$task", SqliteType.Text);
            command.Parameters.AddWithValue("$at", DateTimeOffset.UtcNow.ToString("O"));
            var count = database.Count();
            foreach (var (input, i) in database)
            {
                (key.Value, value.Value, task.Value) = (input.Key, input.Value, taskIds[i]);
                command.ExecuteNonQuery();
                results[i] = new InsertResult(database.Key, input.Key, count);
            }

            transaction.Commit();
        }

        return results;
    }
}

/// <summary>The input of <c>sqlite.insert</c>.</summary>
/// <param name="Key">The record's key (a second insert of a key replaces it).</param>
/// <param name="Value">The record's value.</param>
/// <param name="Database">The database file in <c>&lt;DataFolder&gt;/bulk</c>; <c>records.db</c> by default.</param>
public sealed record SqliteInsertInput(string Key, string Value, string? Database = null);

/// <summary>What <c>sqlite.insert</c> did.</summary>
/// <param name="Database">The database file's name.</param>
/// <param name="Key">The record's key.</param>
/// <param name="BatchSize">How many inserts shared its transaction.</param>
public sealed record InsertResult(string Database, string Key, int BatchSize);
