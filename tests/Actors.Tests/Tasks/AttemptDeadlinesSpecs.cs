using Actors.Tasks;

namespace Actors.Tests.Tasks;

/// <summary>The queue's watch on running attempts' timeouts: due in deadline order, ended attempts never due, its size bounded.</summary>
public sealed class AttemptDeadlinesSpecs
{
    private static readonly DateTimeOffset Start = new(2026, 12, 4, 9, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Attempts_should_come_due_in_deadline_order_across_timeouts_and_an_ended_or_replaced_attempt_never()
    {
        var deadlines = new AttemptDeadlines<Run>();
        var (slow, fast, ended, retried) = (new Run("slow"), new Run("fast"), new Run("ended"), new Run("retried"));
        deadlines.Add(slow, 1, TimeSpan.FromSeconds(10), Start);
        deadlines.Add(ended, 1, TimeSpan.FromSeconds(1), Start);
        deadlines.Add(retried, 1, TimeSpan.FromSeconds(1), Start);
        deadlines.Add(fast, 1, TimeSpan.FromSeconds(1), Start.AddSeconds(2));
        deadlines.Remove(ended);
        deadlines.Add(retried, 2, TimeSpan.FromSeconds(1), Start.AddSeconds(5));

        Assert.Equal(Start.AddSeconds(3), deadlines.Earliest());
        Assert.Empty(deadlines.TakeDue(Start.AddSeconds(2)));
        Assert.Equal([(fast, 1)], deadlines.TakeDue(Start.AddSeconds(3)));
        // Due together: in deadline order within a timeout, not across them.
        Assert.Equal([(retried, 2), (slow, 1)], deadlines.TakeDue(Start.AddSeconds(10)).OrderBy(due => due.Run.Id));
        Assert.Null(deadlines.Earliest());
        Assert.Equal(0, slow.Watch);
    }

    [Fact]
    public void Attempts_ending_behind_a_long_one_should_not_pile_up()
    {
        var deadlines = new AttemptDeadlines<Run>();
        var longOne = new Run("long");
        deadlines.Add(longOne, 1, TimeSpan.FromMinutes(5), Start);
        for (var i = 0; i < 10_000; i++)
        {
            var shortOne = new Run($"short-{i}");
            deadlines.Add(shortOne, 1, TimeSpan.FromMinutes(5), Start.AddMilliseconds(i));
            deadlines.Remove(shortOne);
            // About twice the attempts watched (two at most here), plus the slack that pays for a compaction.
            Assert.InRange(deadlines.Entries, 1, 2 * 2 + 64 + 1);
        }

        Assert.Equal([(longOne, 1)], deadlines.TakeDue(Start.AddMinutes(6)));
        Assert.Equal(0, deadlines.Entries);
    }

    private sealed record Run(string Id) : IWatchedAttempt
    {
        public long Watch { get; set; }
    }
}
