using System.Runtime.CompilerServices;
using Actors.Configuration;
using Akka.Hosting;

namespace Actors.Hosting;

/// <summary>Akka.Hosting extensions shared by every capability.</summary>
public static class ActorsHostingExtensions
{
    /// <summary>Builders that already have the defaults, so adding a second capability does not add them again.</summary>
    private static readonly ConditionalWeakTable<AkkaConfigurationBuilder, object> WithDefaults = new();

    /// <summary>
    /// Adds the library's default HOCON (<c>hocon/*.conf</c>) as the lowest-precedence fallback. Every
    /// <c>With*</c> extension of this library calls it; calling it again does nothing.
    /// </summary>
    public static AkkaConfigurationBuilder WithActorsDefaults(this AkkaConfigurationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        if (WithDefaults.TryAdd(builder, new object()))
        {
            builder.AddHocon(ActorsConfig.Defaults, HoconAddMode.Append);
        }

        return builder;
    }
}
