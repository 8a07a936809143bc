using Akka.Actor;
using Akka.Configuration;

namespace Actors.Common;

/// <summary>The library's own mailboxes, configured under <c>actors.mailboxes</c> in its defaults.</summary>
internal static class Mailboxes
{
    /// <summary>
    /// Makes the mailbox <paramref name="id"/> known to <paramref name="system"/> when its configuration did not come with
    /// the library's <paramref name="defaults"/> (a system created without them): their setting, as a fallback, so an
    /// application's own setting still wins. Returns <paramref name="id"/>, for <see cref="Props.WithMailbox"/>.
    /// </summary>
    public static string EnsureConfigured(ActorSystem system, string id, Config defaults)
    {
        if (!system.Settings.Config.HasPath(id))
        {
            var type = defaults.GetString($"{id}.mailbox-type");
            system.Settings.InjectTopLevelFallback(ConfigurationFactory.ParseString($"{id}.mailbox-type = \"{type}\""));
        }

        return id;
    }
}
