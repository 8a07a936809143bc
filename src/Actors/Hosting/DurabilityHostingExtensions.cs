using Actors.Durability;
using Akka.Hosting;

namespace Actors.Hosting;

/// <summary>Akka.Hosting extensions for durability.</summary>
public static class DurabilityHostingExtensions
{
    /// <summary>
    /// Keeps the library's durable state in one store: the task queue journals its events there (it is
    /// durable whenever a store is configured), and job kinds and the thunk system given a durability
    /// object (<c>JobDurability</c>, <c>ThunkDurability</c>) checkpoint there. For SQLite,
    /// <paramref name="connectionString"/> is the journal's file path (snapshots go next to it); for
    /// PostgreSQL, a connection string. <see cref="DurabilityProvider.None"/> keeps everything in memory.
    /// </summary>
    /// <exception cref="Akka.Configuration.ConfigurationException">A durable provider without a connection string, or a snapshot interval below 1.</exception>
    public static AkkaConfigurationBuilder WithDurability(this AkkaConfigurationBuilder builder, DurabilityProvider provider, string connectionString, int? snapshotInterval = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var settings = new DurabilitySettings(provider, connectionString ?? "", snapshotInterval ?? 10_000).Validated();
        builder.WithActorsDefaults();
        return builder.AddHocon(settings.ToAkkaConfig(), HoconAddMode.Prepend);
    }
}
