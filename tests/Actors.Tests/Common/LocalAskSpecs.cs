using Actors.Common;
using Akka.Actor;
using Xunit.Abstractions;

namespace Actors.Tests.Common;

/// <summary>The facades' request/response on a local actor system keeps Akka's Ask contract.</summary>
public sealed class LocalAskSpecs(ITestOutputHelper output) : Akka.TestKit.Xunit2.TestKit(output: output)
{
    [Fact]
    public async Task A_reply_should_complete_the_request_and_the_replier_should_see_a_sender_it_can_answer()
    {
        var target = CreateTestProbe();

        var asking = target.Ref.AskLocal<string>("question", TimeSpan.FromSeconds(10));
        target.ExpectMsg("question");
        target.LastSender.Tell("answer");

        Assert.Equal("answer", await asking);
        Assert.NotEqual(await Ask(target), await Ask(target)); // each request its own sender: an actor keeping senders apart keeps requests apart
    }

    [Fact]
    public async Task No_reply_should_fail_with_an_AskTimeoutException_after_the_timeout()
    {
        var target = CreateTestProbe();

        var error = await Assert.ThrowsAsync<AskTimeoutException>(() => target.Ref.AskLocal<string>("question", TimeSpan.FromMilliseconds(200)));

        Assert.Contains("0.20 seconds", error.Message);
        target.ExpectMsg("question");
    }

    [Fact]
    public async Task The_callers_token_should_cancel_the_request()
    {
        var target = CreateTestProbe();
        using var cancellation = new CancellationTokenSource();

        var asking = target.Ref.AskLocal<string>("question", TimeSpan.FromSeconds(30), cancellation.Token);
        target.ExpectMsg("question");
        await cancellation.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => asking);
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => target.Ref.AskLocal<string>("again", TimeSpan.FromSeconds(30), cancellation.Token));
    }

    [Fact]
    public async Task A_failure_or_a_reply_of_another_type_should_fail_the_request_saying_so()
    {
        var target = CreateTestProbe();

        var failing = target.Ref.AskLocal<string>("fail", TimeSpan.FromSeconds(10));
        target.ExpectMsg("fail");
        target.LastSender.Tell(new Status.Failure(new InvalidOperationException("refused")));
        var mistyped = target.Ref.AskLocal<string>("number", TimeSpan.FromSeconds(10));
        target.ExpectMsg("number");
        target.LastSender.Tell(42);

        Assert.Equal("refused", (await Assert.ThrowsAsync<InvalidOperationException>(() => failing)).Message);
        Assert.Contains("System.Int32", (await Assert.ThrowsAsync<ArgumentException>(() => mistyped)).Message);
    }

    /// <summary>Returns the sender a request arrived with, after answering it.</summary>
    private async Task<IActorRef> Ask(Akka.TestKit.TestProbe target)
    {
        var asking = target.Ref.AskLocal<string>("who", TimeSpan.FromSeconds(10));
        target.ExpectMsg("who");
        var sender = target.LastSender;
        sender.Tell("me");
        await asking;
        return sender;
    }
}
