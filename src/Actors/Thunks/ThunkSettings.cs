using Actors.Configuration;
using Akka.Actor;
using Akka.Configuration;

namespace Actors.Thunks;

/// <summary>Settings of the thunk coordinator, read from <c>actors.thunks</c> (see <c>hocon/thunks.conf</c>).</summary>
/// <param name="DefaultTimeout">How long a tree may hold its lock unless its root says otherwise.</param>
/// <param name="RememberEnded">How many ended thunks are remembered for precise late answers.</param>
/// <param name="AskTimeout">How long the processor waits for the coordinator to answer a command.</param>
public sealed record ThunkSettings(TimeSpan DefaultTimeout, int RememberEnded, TimeSpan AskTimeout)
{
    /// <summary>Reads <c>actors.thunks</c>, falling back to the library defaults.</summary>
    public static ThunkSettings Create(ActorSystem system)
    {
        var config = ActorsConfig.For(system).GetConfig("actors.thunks");
        var settings = new ThunkSettings(config.GetTimeSpan("default-timeout"), config.GetInt("remember-ended"), config.GetTimeSpan("ask-timeout"));
        if (settings.DefaultTimeout <= TimeSpan.Zero || settings.AskTimeout <= TimeSpan.Zero || settings.RememberEnded < 0)
        {
            throw new ConfigurationException($"actors.thunks: default-timeout and ask-timeout must be positive and remember-ended not negative; got {settings}.");
        }

        return settings;
    }

    /// <summary>The coordinator's handler is the built-in state store, which also takes <see cref="HandedOverActions"/>.</summary>
    internal bool HandlerTakesBatches { get; init; }
}
