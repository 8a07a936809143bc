using Actors.Tasks;

namespace Actors.Tests.Tasks;

public sealed class TaskDefinitionSpecs
{
    private sealed record Resize(string Path, int Width);

    private static TaskDefinition ResizeTask() =>
        TaskDefinition.Create<Resize, string>("images.resize", (input, _) => Task.FromResult($"{input.Path}@{input.Width}"), TaskPresets.FileOperations);

    [Fact]
    public void Validation_should_name_a_missing_or_mistyped_input_and_run_the_types_own_check()
    {
        var definition = ResizeTask().WithValidation<Resize>(r => r.Width is > 0 and <= 4096 ? null : $"Width must be 1 to 4096; it is {r.Width}.");

        Assert.Null(definition.Validate(new Resize("a.png", 100)));
        Assert.Contains("none was given", definition.Validate(null));
        Assert.Contains("takes Resize inputs; String is not one", definition.Validate("a.png"));
        Assert.Equal("Width must be 1 to 4096; it is 0.", definition.Validate(new Resize("a.png", 0)));
    }

    [Fact]
    public void A_definition_should_refuse_a_bad_name_or_a_validator_of_another_input_type()
    {
        Assert.Contains("ASCII letters", Assert.Throws<ArgumentException>(() =>
            TaskDefinition.Create<int, int>("has space", (i, _) => Task.FromResult(i), TaskPresets.Analysis)).Message);
        Assert.Contains("cannot check them", Assert.Throws<ArgumentException>(() => ResizeTask().WithValidation<string>(_ => null)).Message);
    }

    [Fact]
    public async Task The_handler_should_run_with_the_typed_input()
    {
        var result = await ResizeTask().InvokeAsync(new Resize("a.png", 64), new NoContext());

        Assert.Equal("a.png@64", result);
    }

    [Fact]
    public void Errors_should_be_classified_by_the_types_classifier_then_by_the_default()
    {
        var definition = ResizeTask().WithErrorClassifier(e => e is IOException ? new TaskError(e.Message, TaskErrorClass.Fatal) : null);

        Assert.Equal(TaskErrorClass.Fatal, definition.Classify(new IOException("disk gone")).Class);
        Assert.Equal(TaskErrorClass.Retryable, definition.Classify(new InvalidOperationException("flaky")).Class);
        Assert.Equal("flaky", definition.Classify(new InvalidOperationException("flaky")).Message);
    }

    [Fact]
    public void A_classifier_that_throws_should_not_lose_the_tasks_error()
    {
        var definition = ResizeTask().WithErrorClassifier(_ => throw new NullReferenceException("bug in classifier"));

        var error = definition.Classify(new FatalTaskException("bad file"));

        Assert.Equal(TaskErrorClass.Fatal, error.Class);
        Assert.Contains("bug in classifier", error.TechnicalDetails);
    }

    [Fact]
    public void The_default_classifier_should_honour_the_library_exceptions()
    {
        var retryable = TaskErrorClassifier.Classify(new RetryableTaskException("rate limited", TimeSpan.FromSeconds(30)));
        var actionable = TaskErrorClassifier.Classify(new UserActionableTaskException("no access", "Grant the service read access."));

        Assert.Equal((TaskErrorClass.Retryable, TimeSpan.FromSeconds(30)), (retryable.Class, retryable.RetryAfter));
        Assert.Equal((TaskErrorClass.UserActionable, "Grant the service read access."), (actionable.Class, actionable.SuggestedAction));
        Assert.Equal(TaskErrorClass.UserActionable, TaskErrorClassifier.Classify(new ArgumentException("bad path")).Class);
        Assert.Equal(TaskErrorClass.Retryable, TaskErrorClassifier.Classify(new TimeoutException()).Class);
    }

    [Fact]
    public void Presets_should_cover_the_five_categories_and_settings_should_refuse_bad_values()
    {
        Assert.Equal(["analysis", "computation-heavy", "database-operations", "external-api", "file-operations"], TaskPresets.ByName.Keys.Order());
        Assert.Equal(1, TaskPresets.ComputationHeavy.Retry.MaxAttempts);
        Assert.Throws<ArgumentOutOfRangeException>(() => TaskPresets.ExternalApi.WithTimeout(TimeSpan.FromSeconds(-1)));
        Assert.Throws<ArgumentOutOfRangeException>(() => TaskPresets.ExternalApi.WithConcurrencyLimit(0));
        Assert.Throws<ArgumentOutOfRangeException>(() => TaskPriority.Validate(11));
        Assert.Equal(TaskPriority.Highest, TaskPriority.Validate(10));
    }

    private sealed class NoContext : ITaskContext
    {
        public string TaskId => "task-1";

        public int Attempt => 1;

        public string? IdempotencyKey => null;

        public CancellationToken CancellationToken => CancellationToken.None;

        public IServiceProvider Services => throw new NotSupportedException();

        public void ReportProgress(double percent, string? currentOperation = null)
        {
        }
    }
}
