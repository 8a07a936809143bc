using Actors.Tasks;
using CsCheck;

namespace Actors.Tests.Tasks;

/// <summary>The waiting queue of a task group: the same order as sorting by priority (most urgent first), then arrival.</summary>
public sealed class TaskWaitingQueueProperties
{
    /// <summary>Operations: true adds an item of the priority, false takes the head (when there is one).</summary>
    private static readonly Gen<(bool Add, int Priority)[]> Operations = Gen.Select(Gen.Int[0, 3].Select(n => n > 0), Gen.Int[1, 10]).Array[1, 200];

    [Fact]
    public void Taking_should_follow_priority_then_arrival_however_adds_and_takes_interleave()
    {
        Operations.Sample(operations =>
        {
            var queue = new TaskWaitingQueue<long>();
            var model = new List<(int Priority, long Arrival)>();
            long arrival = 0;
            foreach (var (add, priority) in operations)
            {
                if (add)
                {
                    queue.Enqueue(++arrival, priority, arrival);
                    model.Add((priority, arrival));
                }
                else if (model.Count > 0)
                {
                    var expected = model.OrderByDescending(m => m.Priority).ThenBy(m => m.Arrival).First();
                    Assert.True(queue.TryPeek(out var head, out var order));
                    Assert.Equal((expected.Arrival, (-expected.Priority, expected.Arrival)), (head, order));
                    Assert.Equal(expected.Arrival, queue.Dequeue());
                    model.Remove(expected);
                }

                Assert.Equal(model.Count, queue.Count);
            }

            Assert.Equal(model.Select(m => m.Arrival).Order(), queue.Items.Order());
        });
    }

    [Fact]
    public void An_empty_queue_should_have_no_head_and_refuse_a_take_and_a_priority_out_of_range()
    {
        var queue = new TaskWaitingQueue<string>();

        Assert.False(queue.TryPeek(out _, out _));
        Assert.Throws<InvalidOperationException>(() => queue.Dequeue());
        Assert.Throws<ArgumentOutOfRangeException>(() => queue.Enqueue("a", 11, 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => queue.Enqueue("a", 0, 1));
    }
}
