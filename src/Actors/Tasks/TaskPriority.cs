using Akka.Actor;
using Akka.Configuration;
using Akka.Dispatch;

namespace Actors.Tasks;

/// <summary>Task priorities: 1 to 10, <b>10 most urgent</b>, 5 by default.</summary>
public static class TaskPriority
{
    /// <summary>The least urgent priority.</summary>
    public const int Lowest = 1;

    /// <summary>The priority of a task submitted without one.</summary>
    public const int Default = 5;

    /// <summary>The most urgent priority.</summary>
    public const int Highest = 10;

    /// <summary>Returns <paramref name="priority"/> if it is from 1 to 10.</summary>
    /// <exception cref="ArgumentOutOfRangeException">It is not.</exception>
    public static int Validate(int priority) => priority is >= Lowest and <= Highest
        ? priority
        : throw new ArgumentOutOfRangeException(nameof(priority), priority, $"A task priority is from {Lowest} (least urgent) to {Highest} (most urgent).");
}

/// <summary>A message that a task lane's mailbox orders by <see cref="Priority"/>.</summary>
public interface IPrioritizedTaskMessage
{
    /// <summary>1 to 10, 10 most urgent.</summary>
    int Priority { get; }
}

/// <summary>
/// The mailbox of a task lane: waiting tasks wait here, the most urgent first and, within a priority,
/// in the order they arrived (a stable priority queue). Messages that are not tasks (control messages)
/// come before every task. Configured as <c>actors.tasks.lane-mailbox</c> in <c>hocon/tasks.conf</c>.
/// </summary>
public sealed class TaskLaneMailbox(Settings settings, Config config) : UnboundedStablePriorityMailbox(settings, config)
{
    /// <summary>The id of this mailbox in the configuration.</summary>
    public const string ConfigPath = "actors.tasks.lane-mailbox";

    /// <inheritdoc />
    /// <remarks>Lower values are delivered first: control messages −1, then priority 10 as 0 down to priority 1 as 9.</remarks>
    protected override int PriorityGenerator(object message) =>
        message is IPrioritizedTaskMessage task ? TaskPriority.Highest - task.Priority : -1;
}
