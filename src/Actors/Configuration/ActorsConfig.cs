using System.Reflection;
using Akka.Actor;
using Akka.Configuration;

namespace Actors.Configuration;

/// <summary>
/// The library's default HOCON (the files under <c>hocon/</c>, embedded in this assembly).
/// </summary>
/// <remarks>
/// Precedence, highest first: options set in code (rendered to HOCON and prepended), the application's
/// own HOCON or <c>appsettings.json</c>, then these defaults. Actors that read settings call
/// <see cref="For"/>, so a system built without Akka.Hosting (a plain TestKit) still sees the defaults.
/// </remarks>
public static class ActorsConfig
{
    private const string ResourcePrefix = "Actors.hocon.";

    private static readonly Lazy<Config> LazyDefaults = new(LoadDefaults);

    /// <summary>All embedded defaults, merged.</summary>
    public static Config Defaults => LazyDefaults.Value;

    /// <summary>
    /// What a process outside the cluster needs to talk to it through <c>ClusterClient</c>, under its own
    /// configuration (which sets <c>akka.actor.provider = remote</c> and its remoting address): the library
    /// defaults (the wire serializers of its protocols), and the serializers of ClusterClient and of the
    /// pub-sub messages it wraps commands in.
    /// </summary>
    public static Config ForClusterClient =>
        Akka.Cluster.Tools.Client.ClusterClientReceptionist.DefaultConfig()
            .WithFallback(Akka.Cluster.Tools.PublishSubscribe.DistributedPubSub.DefaultConfig())
            .WithFallback(Defaults);

    /// <summary>The system's configuration with the library defaults as its fallback.</summary>
    public static Config For(ActorSystem system)
    {
        ArgumentNullException.ThrowIfNull(system);
        return system.Settings.Config.WithFallback(Defaults);
    }

    private static Config LoadDefaults()
    {
        var assembly = typeof(ActorsConfig).Assembly;
        var merged = Config.Empty;
        foreach (var name in assembly.GetManifestResourceNames().Where(n => n.StartsWith(ResourcePrefix, StringComparison.Ordinal)).Order(StringComparer.Ordinal))
        {
            merged = merged.WithFallback(ConfigurationFactory.ParseString(ReadResource(assembly, name)));
        }

        return merged;
    }

    private static string ReadResource(Assembly assembly, string name)
    {
        using var stream = assembly.GetManifestResourceStream(name)
            ?? throw new InvalidOperationException($"Embedded HOCON resource '{name}' is missing from {assembly.GetName().Name}.");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
