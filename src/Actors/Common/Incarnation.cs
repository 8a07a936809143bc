using System.Runtime.CompilerServices;
using Akka.Actor;

namespace Actors.Common;

/// <summary>
/// Tells one run of an actor system from another: what a checkpoint records so that a restarted process
/// knows its actors (even at the same paths) are not the ones the checkpoint names.
/// </summary>
internal static class Incarnation
{
    private static readonly ConditionalWeakTable<ActorSystem, string> Ids = [];

    /// <summary>The id of this run of <paramref name="system"/>.</summary>
    public static string Of(ActorSystem system) => Ids.GetValue(system, _ => Guid.NewGuid().ToString("N"));
}
