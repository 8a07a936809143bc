namespace Actors.Tasks;

/// <summary>How a failure is treated.</summary>
public enum TaskErrorClass
{
    /// <summary>Transient: retried while the retry policy allows (timeouts and unclassified exceptions are retryable).</summary>
    Retryable,

    /// <summary>Will fail again however often it is tried: not retried.</summary>
    Fatal,

    /// <summary>Needs someone to act (fix the input, grant access): not retried; the error says what to do.</summary>
    UserActionable,
}

/// <summary>A task's failure, with the seed's fields.</summary>
/// <param name="Message">What went wrong, for people.</param>
/// <param name="Class">How it is treated.</param>
/// <param name="RetryAfter">For a retryable error: the earliest useful retry, if the error knows it (overrides the backoff when longer).</param>
/// <param name="SuggestedAction">For a user-actionable error: what to do.</param>
/// <param name="TechnicalDetails">The exception type and anything else for engineers.</param>
public sealed record TaskError(string Message, TaskErrorClass Class, TimeSpan? RetryAfter = null, string? SuggestedAction = null, string? TechnicalDetails = null)
{
    /// <summary>Whether the error allows another attempt.</summary>
    public bool IsRetryable => Class == TaskErrorClass.Retryable;
}

/// <summary>Thrown by a handler for a transient failure, optionally saying when to retry.</summary>
/// <param name="message">What went wrong.</param>
/// <param name="retryAfter">The earliest useful retry, if known.</param>
public class RetryableTaskException(string message, TimeSpan? retryAfter = null) : Exception(message)
{
    /// <summary>The earliest useful retry, if known.</summary>
    public TimeSpan? RetryAfter { get; } = retryAfter;
}

/// <summary>Thrown by a handler for a failure that no retry will fix.</summary>
/// <param name="message">What went wrong.</param>
public class FatalTaskException(string message) : Exception(message);

/// <summary>Thrown by a handler for a failure that someone must act on.</summary>
/// <param name="message">What went wrong.</param>
/// <param name="suggestedAction">What to do about it.</param>
public class UserActionableTaskException(string message, string suggestedAction) : Exception(message)
{
    /// <summary>What to do about it.</summary>
    public string SuggestedAction { get; } = suggestedAction;
}

/// <summary>Turns a handler's exception into a <see cref="TaskError"/>.</summary>
public static class TaskErrorClassifier
{
    /// <summary>
    /// The default classifier: the library's three exception types say their class; a timeout is
    /// retryable; an <see cref="ArgumentException"/> is user-actionable (the input is wrong); anything
    /// else is retryable, with its message kept.
    /// </summary>
    public static TaskError Classify(Exception error)
    {
        ArgumentNullException.ThrowIfNull(error);
        var details = $"{error.GetType().FullName}: {error.Message}";
        return error switch
        {
            RetryableTaskException retryable => new TaskError(error.Message, TaskErrorClass.Retryable, retryable.RetryAfter, TechnicalDetails: details),
            FatalTaskException => new TaskError(error.Message, TaskErrorClass.Fatal, TechnicalDetails: details),
            UserActionableTaskException actionable => new TaskError(error.Message, TaskErrorClass.UserActionable, SuggestedAction: actionable.SuggestedAction, TechnicalDetails: details),
            ArgumentException => new TaskError(error.Message, TaskErrorClass.UserActionable, SuggestedAction: "Correct the task's input and submit it again.", TechnicalDetails: details),
            TimeoutException or OperationCanceledException => new TaskError(error.Message, TaskErrorClass.Retryable, TechnicalDetails: details),
            _ => new TaskError(error.Message, TaskErrorClass.Retryable, TechnicalDetails: details),
        };
    }
}
