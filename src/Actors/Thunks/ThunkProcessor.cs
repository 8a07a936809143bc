using Akka.Actor;

namespace Actors.Thunks;

/// <summary>The <see cref="IThunkProcessor"/> facade. Its thunks' source is one client actor it owns.</summary>
internal sealed class ThunkProcessor(IActorRef coordinator, IActorRef store, IActorRef client, ThunkSettings settings) : IThunkProcessor
{
    public IActorRef Coordinator { get; } = coordinator;

    public Task<ThunkSummary> GetSummaryAsync(CancellationToken cancellationToken = default) =>
        AskAsync<ThunkSummary>(GetThunkSummary.Instance, settings.AskTimeout, cancellationToken);

    public async Task<StoreStateChanged<TState>> GetStateAsync<TState>(CancellationToken cancellationToken = default)
    {
        var reply = await store.Ask<object>(GetStoreState.Instance, settings.AskTimeout, cancellationToken).ConfigureAwait(false);
        return reply as StoreStateChanged<TState>
            ?? throw new InvalidOperationException($"The thunk store keeps {reply.GetType().GetGenericArguments().FirstOrDefault()?.Name ?? reply.GetType().Name}, not {typeof(TState).Name}.");
    }

    public Task RunAsync(Func<IThunkContext, Task> body, ThunkOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(body);
        return RunAsync<bool>(async context =>
        {
            await body(context).ConfigureAwait(false);
            return true;
        }, options, cancellationToken);
    }

    public Task<T> RunAsync<T>(Func<IThunkContext, Task<T>> body, ThunkOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(body);
        options ??= new ThunkOptions();
        return RunThunkAsync(new RegisterThunk(options.Id, null, options.Priority, options.Keys, options.Timeout, client), body, cancellationToken);
    }

    internal async Task<T> RunThunkAsync<T>(RegisterThunk register, Func<IThunkContext, Task<T>> body, CancellationToken cancellationToken)
    {
        // Current for the body, so a child thunk's span (and anything else the body traces) is its child.
        using var span = ThunkTelemetry.StartThunk(register.ParentId is null, register.Keys);
        var registered = await AskAsync<ThunkRegistered>(register, settings.AskTimeout, cancellationToken).ConfigureAwait(false);
        span?.SetTag("thunk.id", registered.Id).SetTag("thunk.root", registered.RootId);
        T result;
        try
        {
            // A root waits here for its lock, for as long as it takes (or until cancelled).
            await AskAsync<ThunkStarted>(new StartThunk(registered.Id), timeout: null, cancellationToken).ConfigureAwait(false);
            span?.AddEvent(new System.Diagnostics.ActivityEvent("started"));
            result = await body(new ThunkContext(this, registered.Id)).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            span?.SetStatus(System.Diagnostics.ActivityStatusCode.Error, ex.Message);
            // Also when an action was refused (the reducer would not apply it): the tree fails, and a transactional
            // store undoes what the tree had applied. A thunk that had already ended only gets the refusal logged.
            Coordinator.Tell(new FailThunk(registered.Id, $"{ex.GetType().Name}: {ex.Message}"), client);
            throw;
        }

        await AskAsync<ThunkCompleted>(new CompleteThunk(registered.Id), settings.AskTimeout, CancellationToken.None).ConfigureAwait(false);
        return result;
    }

    internal void Dispatch(string thunkId, object action) => Coordinator.Tell(new DispatchThunkAction(action, thunkId), client);

    internal Task DispatchAsync(string thunkId, object action, CancellationToken cancellationToken) =>
        AskAsync<ThunkActionApplied>(new DispatchThunkAction(action, thunkId, Acknowledge: true), settings.AskTimeout, cancellationToken);

    internal RegisterThunk ChildOf(string parentId) => new(ParentId: parentId, Source: client);

    private async Task<TReply> AskAsync<TReply>(IThunkCommand command, TimeSpan? timeout, CancellationToken cancellationToken)
    {
        var reply = await Coordinator.Ask<object>(command, timeout, cancellationToken).ConfigureAwait(false);
        return reply switch
        {
            TReply expected => expected,
            ThunkCommandRejected rejected => throw new ThunkRejectedException(rejected.Reason),
            ThunkActionRefused refused => throw new ThunkRejectedException(refused.Reason),
            _ => throw new InvalidOperationException($"The thunk coordinator answered {command.GetType().Name} with {reply?.GetType().Name}."),
        };
    }

    /// <summary>The context a thunk body gets.</summary>
    private sealed class ThunkContext(ThunkProcessor processor, string thunkId) : IThunkContext
    {
        public string ThunkId { get; } = thunkId;

        public void Dispatch(object action)
        {
            ArgumentNullException.ThrowIfNull(action);
            processor.Dispatch(ThunkId, action);
        }

        public Task DispatchAsync(object action, CancellationToken cancellationToken = default)
        {
            ArgumentNullException.ThrowIfNull(action);
            return processor.DispatchAsync(ThunkId, action, cancellationToken);
        }

        public Task RunChildAsync(Func<IThunkContext, Task> body, CancellationToken cancellationToken = default)
        {
            ArgumentNullException.ThrowIfNull(body);
            return processor.RunThunkAsync(processor.ChildOf(ThunkId), async context =>
            {
                await body(context).ConfigureAwait(false);
                return true;
            }, cancellationToken);
        }
    }
}
