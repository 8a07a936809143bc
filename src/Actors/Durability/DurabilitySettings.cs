using Actors.Configuration;
using Akka.Actor;
using Akka.Configuration;
using Akka.Persistence.Sql;
using Microsoft.Data.Sqlite;

namespace Actors.Durability;

/// <summary>Where the library keeps its journal: nowhere (in memory), a SQLite file, or PostgreSQL.</summary>
public enum DurabilityProvider
{
    /// <summary>In memory only: a restart forgets everything.</summary>
    None,

    /// <summary>A SQLite file (WAL mode, a busy timeout; journal and snapshots in separate files so they never block each other).</summary>
    Sqlite,

    /// <summary>A PostgreSQL database.</summary>
    PostgreSql,
}

/// <summary>Settings of <c>actors.durability</c> (see <c>hocon/durability.conf</c>): the one store every durable capability uses.</summary>
/// <param name="Provider">Where the journal lives.</param>
/// <param name="ConnectionString">For SQLite a file path; for PostgreSQL a connection string.</param>
/// <param name="SnapshotInterval">Events between snapshots of the task journal.</param>
public sealed record DurabilitySettings(DurabilityProvider Provider, string ConnectionString, int SnapshotInterval)
{
    /// <summary>For SQLite: the snapshot store's file, beside the journal's (separate, so their writes never wait for each other).</summary>
    internal string SqliteSnapshotFile => Path.ChangeExtension(ConnectionString, ".snapshots.db");

    /// <summary>The dispatcher (threads of its own) on which journals block on their store.</summary>
    internal const string JournalDispatcherId = "actors.durability.journal-dispatcher";

    /// <summary>Whether anything is persisted.</summary>
    public bool IsDurable => Provider != DurabilityProvider.None;

    /// <summary>
    /// The store a durable capability of <paramref name="system"/> uses, prepared for its first write.
    /// </summary>
    /// <param name="system">The actor system.</param>
    /// <param name="who">The capability asking, for the error (for example "Job manager 'orders'").</param>
    /// <exception cref="ConfigurationException">No store is configured.</exception>
    internal static DurabilitySettings Required(ActorSystem system, string who)
    {
        var settings = Create(system);
        if (!settings.IsDurable)
        {
            throw new ConfigurationException(
                $"{who} is durable, but no store is configured (actors.durability.provider is none): add akka.WithDurability(provider, connectionString), or leave its durability out to keep it in memory.");
        }

        SingleWriter.Claim(system, settings);
        return settings;
    }

    /// <summary>Reads <c>actors.durability</c>.</summary>
    public static DurabilitySettings Create(ActorSystem system)
    {
        var config = ActorsConfig.For(system).GetConfig("actors.durability");
        return new DurabilitySettings(Parse(config.GetString("provider")), config.GetString("connection-string") ?? "", config.GetInt("snapshot-interval")).Validated();
    }

    /// <summary>The provider named <paramref name="name"/> (none, sqlite, postgresql).</summary>
    /// <exception cref="ConfigurationException">Another name.</exception>
    public static DurabilityProvider Parse(string? name) => name?.Trim().ToLowerInvariant() switch
    {
        null or "" or "none" or "memory" => DurabilityProvider.None,
        "sqlite" => DurabilityProvider.Sqlite,
        "postgresql" or "postgres" => DurabilityProvider.PostgreSql,
        _ => throw new ConfigurationException($"actors.durability.provider must be none, sqlite or postgresql; it is '{name}'."),
    };

    /// <summary>These settings, checked.</summary>
    /// <exception cref="ConfigurationException">A durable provider without a connection string, or a snapshot interval below 1.</exception>
    public DurabilitySettings Validated()
    {
        if (IsDurable && string.IsNullOrWhiteSpace(ConnectionString))
        {
            throw new ConfigurationException($"actors.durability.connection-string is required for {Provider}: a file path for sqlite, a connection string for postgresql.");
        }

        return SnapshotInterval >= 1 ? this : throw new ConfigurationException("actors.durability.snapshot-interval must be at least 1.");
    }

    /// <summary>
    /// These settings as configuration: the <c>actors.durability</c> section and, when something is
    /// stored, the Akka.Persistence journal and snapshot store plugins (with Akka.Persistence.Sql's
    /// defaults as fallback). Touches no file: the store is prepared when the first capability starts.
    /// </summary>
    public Config ToAkkaConfig()
    {
        var section = ConfigurationFactory.ParseString(
            $"actors.durability {{ provider = {Provider.ToString().ToLowerInvariant()}, connection-string = {Quote(ConnectionString)}, snapshot-interval = {SnapshotInterval} }}");
        if (!IsDurable)
        {
            return section;
        }

        var (provider, journal, snapshots, mapping) = Provider == DurabilityProvider.Sqlite
            ? ("SQLite.MS", SqliteConnectionString(ConnectionString), SqliteConnectionString(SqliteSnapshotFile), "sqlite")
            : ("PostgreSQL.15", ConnectionString, ConnectionString, "postgresql");
        return section.WithFallback(ConfigurationFactory.ParseString($$"""
            {{JournalDispatcherId}} {
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
                  parallelism = {{(Provider == DurabilityProvider.Sqlite ? 1 : 3)}}
                  # Rows of a batch as parameters: otherwise each payload is written into the SQL text as hex,
                  # which costs a formatting and a parse of twice its size.
                  prefer-parameters-on-multirow-insert = true
                  # Microsoft.Data.Sqlite's async calls block: keep them on threads of their own, not the
                  # shared thread pool, which starves (and stalls every request) when its threads block.
                  materializer-dispatcher = "{{JournalDispatcherId}}"
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
            """)).WithFallback(SqlPersistence.DefaultConfiguration);
    }

    /// <summary>
    /// Makes the store ready for its first write: for SQLite, creates the files' folder and switches both
    /// files to WAL (which persists in the file). Safe to call again; PostgreSQL needs nothing
    /// (Akka.Persistence.Sql creates its tables).
    /// </summary>
    public void PrepareStore()
    {
        if (Provider != DurabilityProvider.Sqlite)
        {
            return;
        }

        foreach (var file in new[] { ConnectionString, SqliteSnapshotFile })
        {
            Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(file))!);
            using var connection = new SqliteConnection(SqliteConnectionString(file));
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = "PRAGMA journal_mode = WAL;";
            command.ExecuteNonQuery();
        }
    }

    private static string SqliteConnectionString(string path) =>
        new SqliteConnectionStringBuilder { DataSource = Path.GetFullPath(path), DefaultTimeout = 30, Pooling = true }.ToString();

    /// <summary>A HOCON string literal of <paramref name="value"/>.</summary>
    internal static string Quote(string value) => "\"" + value.Replace("\\", "\\\\").Replace("\"", "\\\"") + "\"";
}
