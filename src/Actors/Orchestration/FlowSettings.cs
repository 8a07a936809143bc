using Actors.Configuration;
using Akka.Actor;
using Akka.Configuration;

namespace Actors.Orchestration;

/// <summary>Settings of the flow manager, read from <c>actors.orchestration.flows</c> (see <c>hocon/orchestration.conf</c>).</summary>
/// <param name="KeepFinished">How many finished flows are kept for queries.</param>
/// <param name="StoredFinished">How many of those the journal's checkpoint keeps.</param>
/// <param name="AskTimeout">How long the facade waits for the manager to answer.</param>
public sealed record FlowSettings(int KeepFinished, int StoredFinished, TimeSpan AskTimeout)
{
    /// <summary>Reads <c>actors.orchestration.flows</c>; the ask timeout is the task queue's.</summary>
    public static FlowSettings Create(ActorSystem system)
    {
        var config = ActorsConfig.For(system);
        var flows = config.GetConfig("actors.orchestration.flows");
        return new FlowSettings(flows.GetInt("keep-finished"), flows.GetInt("stored-finished"), config.GetTimeSpan("actors.tasks.ask-timeout")).Validated();
    }

    /// <summary>These settings, checked.</summary>
    /// <exception cref="ConfigurationException">A value is out of range.</exception>
    public FlowSettings Validated() => KeepFinished < 0 || StoredFinished < 0 || StoredFinished > KeepFinished || AskTimeout <= TimeSpan.Zero
        ? throw new ConfigurationException($"actors.orchestration.flows: keep-finished and stored-finished must not be negative, stored-finished at most keep-finished, ask-timeout positive; got {this}.")
        : this;
}
