using Actors.Common;
using Akka.Actor;
using Xunit.Abstractions;

namespace Actors.Tests.Common;

public sealed class SmallMailboxSpecs(ITestOutputHelper output) : Akka.TestKit.Xunit2.TestKit(output: output)
{
    [Fact]
    public async Task A_message_sent_while_the_actor_goes_idle_should_never_be_stranded()
    {
        // Two messages back to back to an idle actor: the first wakes it on another thread, which may drain and go idle just
        // as the second is put in. A stranded second message leaves its round unanswered. Two pairs of sender and actor at once.
        Mailboxes.EnsureConfigured(Sys, SmallMailbox.Id, Actors.Configuration.ActorsConfig.Defaults);
        await Task.WhenAll(Enumerable.Range(0, 2).Select(_ => Task.Factory.StartNew(() =>
        {
            using var answered = new SemaphoreSlim(0);
            var actor = Sys.ActorOf(Props.Create(() => new SecondSignals(answered)).WithMailbox(SmallMailbox.Id));
            for (var round = 0; round < 200_000; round++)
            {
                actor.Tell(First.Instance);
                actor.Tell(Second.Instance);
                Assert.True(answered.Wait(TimeSpan.FromSeconds(5)), $"round {round}: the second message was never delivered");
            }
        }, TaskCreationOptions.LongRunning)));
    }

    [Fact]
    public void Its_queue_should_hand_out_every_message_of_many_producers_once_in_each_producers_order()
    {
        const int Producers = 4, PerProducer = 250_000;
        var queue = new SmallMessageQueue();
        var producers = Enumerable.Range(0, Producers).Select(p => new Thread(() =>
        {
            for (var i = 0; i < PerProducer; i++)
            {
                queue.Enqueue(ActorRefs.Nobody, new Envelope((p, i), ActorRefs.NoSender));
            }
        })).ToArray();
        foreach (var producer in producers)
        {
            producer.Start();
        }

        var next = new int[Producers];
        var taken = 0;
        while (taken < Producers * PerProducer)
        {
            if (queue.TryDequeue(out var envelope))
            {
                var (p, i) = ((int, int))envelope.Message;
                Assert.Equal(next[p]++, i);
                taken++;
            }
            else
            {
                Assert.True(producers.Any(t => t.IsAlive) || queue.HasMessages, $"{taken} of {Producers * PerProducer} taken, none left");
            }
        }

        Assert.False(queue.HasMessages);
        Assert.Equal(0, queue.Count);
    }

    private sealed class First
    {
        public static readonly First Instance = new();
    }

    private sealed class Second
    {
        public static readonly Second Instance = new();
    }

    private sealed class SecondSignals(SemaphoreSlim answered) : UntypedActor
    {
        protected override void OnReceive(object message)
        {
            if (message is Second)
            {
                answered.Release();
            }
        }
    }
}
