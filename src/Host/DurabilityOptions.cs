using Actors.Durability;

namespace Actors.Host;

/// <summary>
/// The <c>Durability</c> section: <c>Provider</c> (sqlite, the default; postgresql; none for in memory),
/// <c>ConnectionString</c> (for sqlite a file, by default <c>&lt;DataFolder&gt;/journal.db</c>), <c>SnapshotInterval</c>.
/// </summary>
public sealed record DurabilityOptions(DurabilityProvider Provider, string ConnectionString, int? SnapshotInterval)
{
    /// <summary>The configuration section.</summary>
    public const string Section = "Durability";

    /// <summary>Reads the section, with the service's defaults.</summary>
    public static DurabilityOptions From(IConfiguration configuration, ServiceOptions service)
    {
        var section = configuration.GetSection(Section);
        var provider = DurabilitySettings.Parse(section["Provider"] ?? "sqlite");
        var connectionString = section["ConnectionString"] is { Length: > 0 } configured
            ? configured
            : provider == DurabilityProvider.Sqlite ? Path.Combine(Path.GetFullPath(service.DataFolder), "journal.db") : "";
        var bulkFolder = Path.Combine(Path.GetFullPath(service.DataFolder), BuiltIn.SqliteBulkTask.Folder) + Path.DirectorySeparatorChar;
        if (provider == DurabilityProvider.Sqlite && Path.GetFullPath(connectionString).StartsWith(bulkFolder, StringComparison.Ordinal))
        {
            throw new InvalidOperationException($"Durability:ConnectionString ({connectionString}) lies in {bulkFolder}, where sqlite.bulk writes its databases: put the journal elsewhere.");
        }

        return new DurabilityOptions(provider, connectionString, section.GetValue<int?>("SnapshotInterval"));
    }
}
