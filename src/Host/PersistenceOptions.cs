using Actors.Persistence;

namespace Actors.Host;

/// <summary>
/// The <c>Persistence</c> section: <c>Provider</c> (sqlite, the default; postgresql; none for in memory),
/// <c>ConnectionString</c> (for sqlite a file, by default <c>&lt;DataFolder&gt;/journal.db</c>), <c>SnapshotInterval</c>.
/// </summary>
public sealed record PersistenceOptions(PersistenceProvider Provider, string ConnectionString, int? SnapshotInterval)
{
    /// <summary>The configuration section.</summary>
    public const string Section = "Persistence";

    /// <summary>These options as the library's settings.</summary>
    public DurabilitySettings ToSettings() => new(Provider, ConnectionString, SnapshotInterval ?? 10_000);

    /// <summary>Reads the section, with the service's defaults.</summary>
    public static PersistenceOptions From(IConfiguration configuration, ServiceOptions service)
    {
        var section = configuration.GetSection(Section);
        var provider = DurabilitySettings.Parse(section["Provider"] ?? "sqlite");
        var connectionString = section["ConnectionString"] is { Length: > 0 } configured
            ? configured
            : provider == PersistenceProvider.Sqlite ? Path.Combine(Path.GetFullPath(service.DataFolder), "journal.db") : "";
        var bulkFolder = Path.Combine(Path.GetFullPath(service.DataFolder), BuiltIn.SqliteBulkTask.Folder) + Path.DirectorySeparatorChar;
        if (provider == PersistenceProvider.Sqlite && Path.GetFullPath(connectionString).StartsWith(bulkFolder, StringComparison.Ordinal))
        {
            throw new InvalidOperationException($"Persistence:ConnectionString ({connectionString}) lies in {bulkFolder}, where sqlite.bulk writes its databases: put the journal elsewhere.");
        }

        return new PersistenceOptions(provider, connectionString, section.GetValue<int?>("SnapshotInterval"));
    }
}
