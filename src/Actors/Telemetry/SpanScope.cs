namespace Actors.Telemetry;

/// <summary>
/// Starting a span makes it <see cref="System.Diagnostics.Activity.Current"/>, an async-local value. Setting it back to the
/// previous span would leave the thread (an actor's, or a caller's flow) with an execution context of its own for good,
/// which every later await and thread-pool item then pays to switch; restoring the very context the thread had does not.
/// </summary>
internal readonly struct SpanScope
{
    private readonly ExecutionContext? _saved;
    private readonly System.Diagnostics.Activity? _previous;

    private SpanScope(ExecutionContext? saved, System.Diagnostics.Activity? previous) => (_saved, _previous) = (saved, previous);

    /// <summary>Remembers the thread's execution context, before a span is started.</summary>
    public static SpanScope Save() => ExecutionContext.Capture() is { } saved ? new SpanScope(saved, null) : new SpanScope(null, System.Diagnostics.Activity.Current);

    /// <summary>Puts the thread's execution context back as it was (or, where flow is suppressed, the previous current span).</summary>
    public void Restore()
    {
        if (_saved is not null)
        {
            ExecutionContext.Restore(_saved);
        }
        else
        {
            System.Diagnostics.Activity.Current = _previous;
        }
    }
}
