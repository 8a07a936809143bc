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
        return new PersistenceOptions(provider, connectionString, section.GetValue<int?>("SnapshotInterval"));
    }
}
