using System.Globalization;

namespace Actors.Tasks;

/// <summary>The queue's task ids: <c>task-N</c>, N counting up from 1 (and on from the highest a journal held).</summary>
internal static class TaskIds
{
    private const string Prefix = "task-";

    /// <summary>The id numbered <paramref name="number"/>.</summary>
    public static string Of(long number) => string.Create(CultureInfo.InvariantCulture, $"{Prefix}{number}");

    /// <summary>The number of an id of the queue's form (N without leading zeros: a task has one id); false for any other string.</summary>
    public static bool TryNumber(ReadOnlySpan<char> id, out long number)
    {
        number = 0;
        var digits = id.StartsWith(Prefix, StringComparison.Ordinal) ? id[Prefix.Length..] : [];
        return digits.Length > 0 && digits[0] != '0' && long.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out number);
    }
}
