namespace Actors.Tasks;

/// <summary>What a running task's handler gets besides its input.</summary>
public interface ITaskContext
{
    /// <summary>The task's id.</summary>
    string TaskId { get; }

    /// <summary>The attempt, from 1. After a restart (step 6) an attempt may repeat work: use <see cref="IdempotencyKey"/>.</summary>
    int Attempt { get; }

    /// <summary>The key the task was submitted with, if any.</summary>
    string? IdempotencyKey { get; }

    /// <summary>Fires when the task is cancelled or the attempt times out.</summary>
    CancellationToken CancellationToken { get; }

    /// <summary>
    /// The attempt's own DI scope (created when it starts, disposed when it ends): resolve scoped services
    /// such as a <c>DbContext</c> or an <c>IHttpClientFactory</c> client here. Without DI (a plain actor
    /// system) it resolves nothing.
    /// </summary>
    IServiceProvider Services { get; }

    /// <summary>Reports progress, 0 to 100; cheap to call often (events are throttled, the last value always delivered).</summary>
    void ReportProgress(double percent, string? currentOperation = null);
}

/// <summary>
/// A task type: its name, its handler, its run settings, and how its input is validated and its errors
/// classified. Immutable; <c>With*</c> methods return copies.
/// </summary>
public sealed class TaskDefinition
{
    private readonly Func<object?, ITaskContext, Task<object?>> _handler;
    private readonly Func<object?, string?> _validate;
    private readonly Func<Exception, TaskError?> _classify;

    private TaskDefinition(string type, Type inputType, Type resultType, TaskSettings settings, string? description,
        Func<object?, ITaskContext, Task<object?>> handler, Func<object?, string?> validate, Func<Exception, TaskError?> classify)
    {
        (Type, InputType, ResultType, Settings, Description) = (type, inputType, resultType, settings, description);
        (_handler, _validate, _classify) = (handler, validate, classify);
    }

    /// <summary>The type's name: letters, digits, '.', '-' and '_' (for example <c>files.hash</c>).</summary>
    public string Type { get; }

    /// <summary>The handler's input type.</summary>
    public Type InputType { get; }

    /// <summary>The handler's result type.</summary>
    public Type ResultType { get; }

    /// <summary>Timeout, retries, concurrency limit and estimated duration.</summary>
    public TaskSettings Settings { get; }

    /// <summary>What the task does, for listings.</summary>
    public string? Description { get; }

    /// <summary>Defines a task type.</summary>
    /// <param name="type">The type's name: letters, digits, '.', '-' and '_'.</param>
    /// <param name="handler">Runs one attempt; returns the result, or throws (see <see cref="TaskErrorClassifier"/>).</param>
    /// <param name="settings">Run settings; start from a <see cref="TaskPresets"/> entry.</param>
    /// <exception cref="ArgumentException">The name is not valid.</exception>
    public static TaskDefinition Create<TInput, TResult>(string type, Func<TInput, ITaskContext, Task<TResult>> handler, TaskSettings settings)
    {
        ValidateType(type);
        ArgumentNullException.ThrowIfNull(handler);
        ArgumentNullException.ThrowIfNull(settings);
        return new TaskDefinition(type, typeof(TInput), typeof(TResult), settings, null,
            async (input, context) => await handler((TInput)input!, context).ConfigureAwait(false),
            input => InputProblem<TInput>(type, input, null), static _ => null);
    }

    /// <summary>A copy with a description.</summary>
    public TaskDefinition WithDescription(string description) =>
        new(Type, InputType, ResultType, Settings, description, _handler, _validate, _classify);

    /// <summary>A copy with other run settings.</summary>
    public TaskDefinition WithSettings(TaskSettings settings) =>
        new(Type, InputType, ResultType, settings ?? throw new ArgumentNullException(nameof(settings)), Description, _handler, _validate, _classify);

    /// <summary>
    /// A copy that also checks each input with <paramref name="validate"/>, which returns null when the input
    /// is fine or a message naming the problem (a submit with a bad input is rejected with it).
    /// </summary>
    public TaskDefinition WithValidation<TInput>(Func<TInput, string?> validate)
    {
        ArgumentNullException.ThrowIfNull(validate);
        if (typeof(TInput) != InputType)
        {
            throw new ArgumentException($"Task type '{Type}' takes {InputType.Name} inputs; a validator of {typeof(TInput).Name} cannot check them.", nameof(validate));
        }

        return new TaskDefinition(Type, InputType, ResultType, Settings, Description, _handler, input => InputProblem(Type, input, validate), _classify);
    }

    /// <summary>
    /// A copy that classifies errors with <paramref name="classify"/> first (return null to fall back to
    /// <see cref="TaskErrorClassifier.Classify"/>).
    /// </summary>
    public TaskDefinition WithErrorClassifier(Func<Exception, TaskError?> classify) =>
        new(Type, InputType, ResultType, Settings, Description, _handler, _validate, classify ?? throw new ArgumentNullException(nameof(classify)));

    /// <summary>Null if <paramref name="input"/> is acceptable, else what is wrong with it.</summary>
    public string? Validate(object? input) => _validate(input);

    /// <summary>How a handler's exception is treated.</summary>
    public TaskError Classify(Exception error)
    {
        ArgumentNullException.ThrowIfNull(error);
        try
        {
            return _classify(error) ?? TaskErrorClassifier.Classify(error);
        }
        catch (Exception classifierError)
        {
            // A broken classifier must not lose the task's error; its own failure is kept for engineers.
            return TaskErrorClassifier.Classify(error) with { TechnicalDetails = $"{error.GetType().FullName}: {error.Message} (the classifier threw {classifierError.GetType().Name}: {classifierError.Message})" };
        }
    }

    /// <summary>Runs one attempt of the handler (input already validated).</summary>
    /// <summary>
    /// Runs the handler once, as an attempt would, with the context given: for unit tests of a handler
    /// (the queue adds validation, slots, timeouts and retries around it).
    /// </summary>
    /// <param name="input">The handler's input (of <see cref="InputType"/>).</param>
    /// <param name="context">The attempt's context.</param>
    public Task<object?> InvokeAsync(object? input, ITaskContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return _handler(input, context);
    }

    private static string? InputProblem<TInput>(string type, object? input, Func<TInput, string?>? validate)
    {
        if (input is not TInput typed)
        {
            return input is null && default(TInput) is null
                ? $"Task type '{type}' needs an input of type {typeof(TInput).Name}; none was given."
                : $"Task type '{type}' takes {typeof(TInput).Name} inputs; {input?.GetType().Name ?? "null"} is not one.";
        }

        return validate?.Invoke(typed);
    }

    private static void ValidateType(string type)
    {
        if (string.IsNullOrWhiteSpace(type) || !type.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '-' or '_'))
        {
            throw new ArgumentException($"A task type name is made of ASCII letters, digits, '.', '-' and '_' (for example 'files.hash'); '{type}' is not.", nameof(type));
        }
    }
}
