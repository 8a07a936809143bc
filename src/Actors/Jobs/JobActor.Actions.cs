using Actors.Common;
using Akka.Actor;

namespace Actors.Jobs;

// How a job actor takes actions: in order per sender, one in the handler at a time, the rest queued;
// answered only when asked to acknowledge, always when refused.
internal sealed partial class JobActor<TState, TAction>
{
    private void OnDispatch(object? action, bool acknowledge, IActorRef sender)
    {
        if (action is TAction typed)
        {
            Accept(typed, acknowledge, sender);
            return;
        }

        Reject(action, sender, action is null
            ? $"job '{Key}' of manager '{_manager}' was sent a null action"
            : $"job '{Key}' of manager '{_manager}' accepts actions of type {typeof(TAction).FullName}; {action.GetType().FullName} is not one");
    }

    /// <summary>
    /// The hot path: an action told as it is. With no action in hand nothing is queued either (the queue
    /// fills only while one is in hand, and is drained or rejected when it ends), so a handler that
    /// completes at once needs no bookkeeping, and no sender (read only if it must be answered later).
    /// </summary>
    private void AcceptUnacknowledged(TAction action)
    {
        if (_end is null && _inHand is null)
        {
            var handling = InvokeHandler(action);
            if (handling.IsCompletedSuccessfully)
            {
                return;
            }

            AwaitOrConclude(new PendingAction(action, Sender, Acknowledge: false), handling);
            return;
        }

        Accept(action, acknowledge: false, Sender);
    }

    private void Accept(TAction action, bool acknowledge, IActorRef sender)
    {
        if (_end is not null)
        {
            Reject(action, sender, $"job '{Key}' of manager '{_manager}' is stopping ({_end.Reason}) and takes no more actions");
        }
        else if (_inHand is not null)
        {
            (_pending ??= new Queue<PendingAction>()).Enqueue(new PendingAction(action, sender, acknowledge));
        }
        else
        {
            HandleInOrder(new PendingAction(action, sender, acknowledge));
        }
    }

    /// <summary>Handles <paramref name="next"/> and then queued actions, until one goes asynchronous.</summary>
    private void HandleInOrder(PendingAction next)
    {
        while (AwaitOrConclude(next, InvokeHandler(next.Action)) && _pending is not null && _pending.TryDequeue(out next))
        {
        }
    }

    /// <summary>
    /// Keeps an unfinished handler in hand until it ends, or concludes a finished one; returns whether the
    /// next queued action may be handled now.
    /// </summary>
    private bool AwaitOrConclude(PendingAction action, Task handling)
    {
        if (handling.IsCompleted)
        {
            return Conclude(action, handling);
        }

        _inHand = action;
        handling.ContinueWith(static (task, self) => ((IActorRef)self!).Tell(new ActionEnded(task)), Self, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        return false;
    }

    private void OnActionEnded(Task handling)
    {
        var done = _inHand!.Value;
        _inHand = null;
        if (Conclude(done, handling) && _pending is not null && _pending.TryDequeue(out var next))
        {
            HandleInOrder(next);
        }

        StopIfIdle();
    }

    /// <summary>Answers the sender of a handled action; returns whether the job goes on.</summary>
    private bool Conclude(PendingAction action, Task handling)
    {
        JobMetrics.Actions.Add(1, JobMetrics.Kind(_manager), new KeyValuePair<string, object?>("outcome", handling.IsCompletedSuccessfully ? "handled" : "failed"));
        if (handling.IsCompletedSuccessfully)
        {
            if (action.Acknowledge)
            {
                action.Sender.Tell(new ActionHandled(Key));
            }

            return _end is null;
        }

        var error = Describe(handling);
        if (action.Acknowledge)
        {
            action.Sender.Tell(new ActionFailed(Key, error));
        }

        BeginStop(JobStopReason.Failed, $"handling {action.Action!.GetType().Name} failed: {error}");
        return false;
    }

    private void Reject(object? action, IActorRef sender, string reason) => sender.TellOrLog(new ActionRejected(Key, action, reason), Log, reason);

    /// <summary>An action waiting for, or in, the job's handler, with whom to answer.</summary>
    private readonly record struct PendingAction(TAction Action, IActorRef Sender, bool Acknowledge);
}
