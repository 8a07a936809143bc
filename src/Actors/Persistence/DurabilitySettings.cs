using Actors.Configuration;
using Akka.Actor;
using Akka.Configuration;
using Akka.Persistence.Sql;
using Microsoft.Data.Sqlite;

namespace Actors.Persistence;

/// <summary>Where the library keeps its journal: nowhere (in memory), a SQLite file, or PostgreSQL.</summary>
public enum PersistenceProvider
{
    /// <summary>In memory only: a restart forgets everything.</summary>
    None,

    /// <summary>A SQLite file (WAL mode, a busy timeout; journal and snapshots in separate files so they never block each other).</summary>
    Sqlite,

    /// <summary>A PostgreSQL database.</summary>
    PostgreSql,
}

/// <summary>Settings of <c>actors.persistence</c> (see <c>hocon/persistence.conf</c>).</summary>
/// <param name="Provider">Where the journal lives.</param>
/// <param name="ConnectionString">For SQLite a file path; for PostgreSQL a connection string.</param>
/// <param name="SnapshotInterval">Events between snapshots of the task journal.</param>
public sealed record DurabilitySettings(PersistenceProvider Provider, string ConnectionString, int SnapshotInterval)
{
    /// <summary>For SQLite: the snapshot store's file, beside the journal's (separate, so their writes never wait for each other).</summary>
    internal string SqliteSnapshotFile => Path.ChangeExtension(ConnectionString, ".snapshots.db");

    /// <summary>Whether anything is persisted.</summary>
    public bool IsDurable => Provider != PersistenceProvider.None;

    /// <summary>Reads <c>actors.persistence</c>.</summary>
    public static DurabilitySettings Create(ActorSystem system)
    {
        var config = ActorsConfig.For(system).GetConfig("actors.persistence");
        return new DurabilitySettings(Parse(config.GetString("provider")), config.GetString("connection-string") ?? "", config.GetInt("snapshot-interval")).Validated();
    }

    /// <summary>The provider named <paramref name="name"/> (none, sqlite, postgresql).</summary>
    /// <exception cref="ConfigurationException">Another name.</exception>
    public static PersistenceProvider Parse(string? name) => name?.Trim().ToLowerInvariant() switch
    {
        null or "" or "none" or "memory" => PersistenceProvider.None,
        "sqlite" => PersistenceProvider.Sqlite,
        "postgresql" or "postgres" => PersistenceProvider.PostgreSql,
        _ => throw new ConfigurationException($"actors.persistence.provider must be none, sqlite or postgresql; it is '{name}'."),
    };

    /// <summary>These settings, checked.</summary>
    /// <exception cref="ConfigurationException">A durable provider without a connection string, or a snapshot interval below 1.</exception>
    public DurabilitySettings Validated()
    {
        if (IsDurable && string.IsNullOrWhiteSpace(ConnectionString))
        {
            throw new ConfigurationException($"actors.persistence.connection-string is required for {Provider}: a file path for sqlite, a connection string for postgresql.");
        }

        return SnapshotInterval >= 1 ? this : throw new ConfigurationException("actors.persistence.snapshot-interval must be at least 1.");
    }

    /// <summary>
    /// The Akka.Persistence configuration for these settings (journal and snapshot store plugins, with
    /// Akka.Persistence.Sql's defaults as fallback); empty when nothing is persisted. For SQLite it also
    /// prepares the files (folder, WAL mode).
    /// </summary>
    public Config ToAkkaConfig()
    {
        if (!IsDurable)
        {
            return Config.Empty;
        }

        var (provider, journal, snapshots, mapping) = Provider == PersistenceProvider.Sqlite
            ? ("SQLite.MS", PrepareSqlite(ConnectionString), PrepareSqlite(SqliteSnapshotFile), "sqlite")
            : ("PostgreSQL.15", ConnectionString, ConnectionString, "postgresql");
        return ConfigurationFactory.ParseString($$"""
            actors.persistence.journal-dispatcher {
              type = ForkJoinDispatcher
              throughput = 100
              dedicated-thread-pool.thread-count = 2
            }
            akka.persistence {
              journal {
                plugin = "akka.persistence.journal.sql"
                sql {
                  connection-string = {{Quote(journal)}}
                  provider-name = "{{provider}}"
                  table-mapping = {{mapping}}
                  auto-initialize = true
                  # Group commit: waiting writes go out together, up to batch-size rows per round trip.
                  # SQLite has one writer at a time, so parallel writers would only queue for its lock.
                  batch-size = 1000
                  parallelism = {{(Provider == PersistenceProvider.Sqlite ? 1 : 3)}}
                  # Microsoft.Data.Sqlite's async calls block: keep them on threads of their own, not the
                  # shared thread pool, which starves (and stalls every request) when its threads block.
                  materializer-dispatcher = "actors.persistence.journal-dispatcher"
                }
              }
              snapshot-store {
                plugin = "akka.persistence.snapshot-store.sql"
                sql {
                  connection-string = {{Quote(snapshots)}}
                  provider-name = "{{provider}}"
                  table-mapping = {{mapping}}
                  auto-initialize = true
                }
              }
            }
            """).WithFallback(SqlPersistence.DefaultConfiguration);
    }

    /// <summary>Creates the folder and switches the file to WAL (which persists in the file); returns the connection string.</summary>
    private static string PrepareSqlite(string path)
    {
        var full = Path.GetFullPath(path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        var connectionString = new SqliteConnectionStringBuilder { DataSource = full, DefaultTimeout = 30, Pooling = true }.ToString();
        using var connection = new SqliteConnection(connectionString);
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA journal_mode = WAL;";
        command.ExecuteNonQuery();
        return connectionString;
    }

    /// <summary>A HOCON string literal of <paramref name="value"/>.</summary>
    internal static string Quote(string value) => "\"" + value.Replace("\\", "\\\\").Replace("\"", "\\\"") + "\"";
}
