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
