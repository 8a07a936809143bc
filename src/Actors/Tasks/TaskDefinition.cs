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

    /// <summary>
    /// Results handed to this task by name: in a flow, the results of the node's dependencies, by node name (a dependency that
    /// failed or was skipped has none). Empty for a task submitted on its own. Values are the results as the upstream tasks
    /// returned them, or <see cref="System.Text.Json.JsonElement"/>s after a restart or from another node: read them with
    /// <see cref="TaskContextExtensions.UpstreamResult{T}"/>.
    /// </summary>
    IReadOnlyDictionary<string, object?> Upstream => TaskContextExtensions.NoUpstream;
}

/// <summary>Helpers for handlers.</summary>
public static class TaskContextExtensions
{
    internal static readonly IReadOnlyDictionary<string, object?> NoUpstream = new Dictionary<string, object?>();

    /// <summary>The result <paramref name="name"/> handed to the task (<see cref="ITaskContext.Upstream"/>) as a <typeparamref name="T"/>, or default when there is none.</summary>
    /// <exception cref="System.Text.Json.JsonException">The stored result does not read as a <typeparamref name="T"/>.</exception>
    public static T? UpstreamResult<T>(this ITaskContext context, string name)
    {
        ArgumentNullException.ThrowIfNull(context);
        return context.Upstream.TryGetValue(name, out var value) switch
        {
            false => default,
            true when value is T typed => typed,
            true when value is System.Text.Json.JsonElement json => System.Text.Json.JsonSerializer.Deserialize<T>(json, WireJsonOptions),
            _ => default,
        };
    }

    private static readonly System.Text.Json.JsonSerializerOptions WireJsonOptions = new(System.Text.Json.JsonSerializerDefaults.Web);
}

/// <summary>
/// A task type: its name, its handler, its run settings, and how its input is validated and its errors
/// classified. Immutable; <c>With*</c> methods return copies.
/// </summary>
public sealed class TaskDefinition
{
    private readonly Func<object?, ITaskContext, ValueTask<object?>> _handler;
    private readonly Func<IReadOnlyList<object?>, ITaskBatchContext, Task<IReadOnlyList<object?>>>? _batchHandler;
    private readonly Func<object?, string?> _validate;
    private readonly Func<Exception, TaskError?> _classify;

    private TaskDefinition(string type, Type inputType, Type resultType, TaskSettings settings, string? description,
        Func<object?, ITaskContext, ValueTask<object?>> handler, Func<object?, string?> validate, Func<Exception, TaskError?> classify,
        TaskBatching? batching = null, Func<IReadOnlyList<object?>, ITaskBatchContext, Task<IReadOnlyList<object?>>>? batchHandler = null,
        Func<object?, string?>? policyKey = null)
    {
        (Type, InputType, ResultType, Settings, Description, Batching) = (type, inputType, resultType, settings, description, batching);
        (_handler, _validate, _classify, _batchHandler, _policyKey) = (handler, validate, classify, batchHandler, policyKey);
    }

    private readonly Func<object?, string?>? _policyKey;

    /// <summary>Whether the type's rate limit, circuit breaker and adaptive limit apply per key of its input (<see cref="WithPolicyKey"/>).</summary>
    public bool HasPolicyKey => _policyKey is not null;

    /// <summary>For a batching type (<see cref="CreateBatched"/>): how many of its tasks one handler call takes, and how long it waits for more.</summary>
    public TaskBatching? Batching { get; }

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

    /// <summary>
    /// Defines a batching task type: each task is submitted, queued, retried and reported on its own, but one handler call
    /// runs up to <see cref="TaskBatching.MaxSize"/> of them that may start at once (waiting up to
    /// <see cref="TaskBatching.Linger"/> for more), and returns one result per input, in their order. For work that is much
    /// cheaper in bulk: one transaction for many inserts, one request for many lookups.
    /// </summary>
    /// <remarks>
    /// The type's concurrency limit counts tasks, not handler calls: give it at least <see cref="TaskBatching.MaxSize"/> (twice
    /// that lets the next batch gather while one runs). If the handler throws, each task of the batch fails with that error
    /// (and is retried on its own); a task cancelled while its batch runs ends cancelled, and the batch's token fires only
    /// when all its tasks are cancelled (or time out).
    /// </remarks>
    /// <param name="type">The type's name.</param>
    /// <param name="handler">Runs one batch: returns exactly one result per input, in the inputs' order.</param>
    /// <param name="settings">Run settings; the concurrency limit at least <paramref name="batching"/>'s maximum size.</param>
    /// <param name="batching">The batch size and linger window.</param>
    /// <exception cref="ArgumentException">The name is not valid, or the concurrency limit is below the batch size.</exception>
    public static TaskDefinition CreateBatched<TInput, TResult>(string type, Func<IReadOnlyList<TInput>, ITaskBatchContext, Task<IReadOnlyList<TResult>>> handler,
        TaskSettings settings, TaskBatching batching)
    {
        ValidateType(type);
        ArgumentNullException.ThrowIfNull(handler);
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(batching);
        batching.Validate();
        if (settings.ConcurrencyLimit < batching.MaxSize)
        {
            throw new ArgumentException(
                $"Task type '{type}' batches up to {batching.MaxSize} tasks, but its concurrency limit ({settings.ConcurrencyLimit}) lets fewer run at once; give it a limit of at least {batching.MaxSize}.",
                nameof(settings));
        }

        Func<IReadOnlyList<object?>, ITaskBatchContext, Task<IReadOnlyList<object?>>> batch = async (inputs, context) =>
        {
            var results = await handler(inputs.Select(input => (TInput)input!).ToList(), context).ConfigureAwait(false);
            if (results is null || results.Count != inputs.Count)
            {
                throw new FatalTaskException($"The batch handler of '{type}' returned {results?.Count ?? 0} results for {inputs.Count} inputs; it must return one per input, in order.");
            }

            return results.Select(result => (object?)result).ToList();
        };
        return new TaskDefinition(type, typeof(TInput), typeof(TResult), settings, null,
            async (input, context) => (await batch([input], new SingleTaskBatch(context)).ConfigureAwait(false))[0],
            input => InputProblem<TInput>(type, input, null), static _ => null, batching, batch);
    }

    /// <summary>A copy with a description.</summary>
    public TaskDefinition WithDescription(string description) =>
        new(Type, InputType, ResultType, Settings, description, _handler, _validate, _classify, Batching, _batchHandler, _policyKey);

    /// <summary>A copy with other run settings.</summary>
    public TaskDefinition WithSettings(TaskSettings settings) =>
        new(Type, InputType, ResultType, settings ?? throw new ArgumentNullException(nameof(settings)), Description, _handler, _validate, _classify, Batching, _batchHandler, _policyKey);

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

        return new TaskDefinition(Type, InputType, ResultType, Settings, Description, _handler, input => InputProblem(Type, input, validate), _classify, Batching, _batchHandler, _policyKey);
    }

    /// <summary>
    /// A copy whose rate limit, circuit breaker and adaptive limit apply per key of the input rather than to the type as a
    /// whole: per host for an HTTP fetch (<c>input => new Uri(input.Url).Host</c>), per tenant, per database. One host's
    /// open breaker then holds back only that host's tasks. The concurrency limit still counts the whole type. A null key
    /// puts the task in the type's own group.
    /// </summary>
    /// <remarks>The queue keeps the policies of up to 10,000 keys; beyond that it forgets those of idle keys.</remarks>
    public TaskDefinition WithPolicyKey<TInput>(Func<TInput, string?> key)
    {
        ArgumentNullException.ThrowIfNull(key);
        if (typeof(TInput) != InputType)
        {
            throw new ArgumentException($"Task type '{Type}' takes {InputType.Name} inputs; a key of {typeof(TInput).Name} cannot read them.", nameof(key));
        }

        return new TaskDefinition(Type, InputType, ResultType, Settings, Description, _handler, _validate, _classify, Batching, _batchHandler,
            input => input is TInput typed ? key(typed) : null);
    }

    /// <summary>The policy key of <paramref name="input"/>; null without <see cref="WithPolicyKey"/> (or when the key function throws or gives none).</summary>
    public string? PolicyKeyOf(object? input)
    {
        try
        {
            return _policyKey?.Invoke(input);
        }
        catch (Exception)
        {
            // A key that cannot be told (a malformed URL that passed no validator) puts the task with the type's own group.
            return null;
        }
    }

    /// <summary>
    /// A copy that classifies errors with <paramref name="classify"/> first (return null to fall back to
    /// <see cref="TaskErrorClassifier.Classify"/>).
    /// </summary>
    public TaskDefinition WithErrorClassifier(Func<Exception, TaskError?> classify) =>
        new(Type, InputType, ResultType, Settings, Description, _handler, _validate, classify ?? throw new ArgumentNullException(nameof(classify)), Batching, _batchHandler, _policyKey);

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

    /// <summary>
    /// Runs the handler once, as an attempt would, with the context given: for unit tests of a handler
    /// (the queue adds validation, slots, timeouts and retries around it).
    /// </summary>
    /// <param name="input">The handler's input (of <see cref="InputType"/>).</param>
    /// <param name="context">The attempt's context.</param>
    public Task<object?> InvokeAsync(object? input, ITaskContext context) => Invoke(input, context).AsTask();

    /// <summary>
    /// <see cref="InvokeAsync"/> as a lane calls it: a handler that completes at once costs no task object (its wrapper is an
    /// <c>async ValueTask</c>, where an <c>async Task</c> made one per call).
    /// </summary>
    internal ValueTask<object?> Invoke(object? input, ITaskContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return _handler(input, context);
    }

    /// <summary>Runs the batch handler once over <paramref name="inputs"/> (a batching type's lane does; tests of a handler may).</summary>
    /// <exception cref="InvalidOperationException">The type does not batch.</exception>
    public Task<IReadOnlyList<object?>> InvokeBatchAsync(IReadOnlyList<object?> inputs, ITaskBatchContext context)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        ArgumentNullException.ThrowIfNull(context);
        return _batchHandler is { } batch ? batch(inputs, context) : throw new InvalidOperationException($"Task type '{Type}' does not batch; run it with InvokeAsync.");
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
