using Akka.Actor;

namespace Actors.Common;

/// <summary>
/// The "stash until recovered" state of a durable actor, written once: while it lasts, messages that
/// recovery handles go to it and everything else waits in the stash, in order.
/// </summary>
internal static class Recovery
{
    /// <summary>Enters recovery on top of the actor's behaviour; <paramref name="recover"/> returns false for messages to stash.</summary>
    /// <remarks>The actor's stash is read per message: in a constructor it is not yet assigned.</remarks>
    public static void Begin(IActorContext context, IActorStash actor, Func<object, bool> recover) =>
        context.BecomeStacked(message =>
        {
            if (!recover(message))
            {
                actor.Stash.Stash();
            }

            return true;
        });

    /// <summary>Leaves recovery: back to the behaviour under it, with the stashed messages first.</summary>
    public static void End(IActorContext context, IActorStash actor)
    {
        context.UnbecomeStacked();
        actor.Stash.UnstashAll();
    }
}
