using Akka.Actor;
using Akka.Event;

namespace Actors.Common;

/// <summary>How actors of this library answer a refusal.</summary>
internal static class Replies
{
    /// <summary>
    /// Tells <paramref name="recipient"/> the refusal, or, when there is nobody to tell (a Tell without a
    /// sender), logs it: a refused command or action is never dropped silently.
    /// </summary>
    public static void TellOrLog(this IActorRef recipient, object refusal, ILoggingAdapter log, string reason)
    {
        if (recipient.IsNobody())
        {
            log.Warning("{0} with no sender to tell: {1}", refusal.GetType().Name, reason);
            return;
        }

        recipient.Tell(refusal);
    }
}
