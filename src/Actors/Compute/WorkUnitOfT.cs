namespace Actors.Compute;

/// <summary>A <see cref="WorkUnit"/> whose function returns a <typeparamref name="TResult"/>.</summary>
public abstract class WorkUnit<TResult> : WorkUnit
{
    private TResult? _result;

    private protected WorkUnit(WorkOptions? options)
        : base(options)
    {
    }

    /// <summary>What its function returned.</summary>
    /// <exception cref="WorkUnitFailedException">It failed (the inner exception says why).</exception>
    /// <exception cref="OperationCanceledException">It was cancelled.</exception>
    /// <exception cref="InvalidOperationException">It has not finished.</exception>
    public TResult Result => Status switch
    {
        WorkStatus.Completed => _result!,
        WorkStatus.Failed => throw new WorkUnitFailedException(this, Error!),
        WorkStatus.Cancelled => throw new OperationCanceledException($"Work unit {Id} was cancelled: it has no result.", Error),
        _ => throw new InvalidOperationException($"Work unit {Id} is {Status}: it has no result yet. Await its run first."),
    };

    /// <summary>Gets what its function returned, if it completed.</summary>
    public bool TryGetResult(out TResult result)
    {
        var completed = Status == WorkStatus.Completed;
        result = completed ? _result! : default!;
        return completed;
    }

    internal sealed override void Execute(WorkContext context) => _result = Invoke(context);

    private protected abstract TResult Invoke(WorkContext context);
}

/// <summary>A unit of <c>function(input)</c>.</summary>
internal sealed class FunctionWorkUnit<TInput, TResult>(Func<TInput, TResult> function, TInput input, WorkOptions? options)
    : WorkUnit<TResult>(options)
{
    internal override Delegate Function => function;

    private protected override TResult Invoke(WorkContext context) => function(input);
}

/// <summary>A unit of <c>function(input, context)</c>.</summary>
internal sealed class ContextFunctionWorkUnit<TInput, TResult>(Func<TInput, WorkContext, TResult> function, TInput input, WorkOptions? options)
    : WorkUnit<TResult>(options)
{
    internal override Delegate Function => function;

    private protected override TResult Invoke(WorkContext context) => function(input, context.For(this));
}
