using Actors.Persistence;
using Akka.Hosting;

namespace Actors.Hosting;

/// <summary>Akka.Hosting extensions for durability.</summary>
public static class PersistenceHostingExtensions
{
    /// <summary>
    /// Keeps the library's journals with <paramref name="provider"/>: the task queue journals its events
    /// there and recovers from them on start. For SQLite, <paramref name="connectionString"/> is the
    /// journal's file path (snapshots go next to it); for PostgreSQL, a connection string.
    /// <see cref="PersistenceProvider.None"/> keeps everything in memory.
    /// </summary>
    public static AkkaConfigurationBuilder WithActorsPersistence(this AkkaConfigurationBuilder builder, PersistenceProvider provider, string connectionString, int? snapshotInterval = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var settings = new DurabilitySettings(provider, connectionString ?? "", snapshotInterval ?? 10_000).Validated();
        builder.WithActorsDefaults();
        builder.AddHocon(settings.ToAkkaConfig(), HoconAddMode.Prepend);
        return builder.AddHocon(
            $"actors.persistence {{ provider = {provider.ToString().ToLowerInvariant()}, connection-string = {DurabilitySettings.Quote(settings.ConnectionString)}, snapshot-interval = {settings.SnapshotInterval} }}",
            HoconAddMode.Prepend);
    }
}
