namespace Host.Tests;

/// <summary>A test class with its own in-process service and a client for it.</summary>
public abstract class ApiSpec : IAsyncLifetime
{
    protected ApiSpec()
        : this(null)
    {
    }

    /// <param name="settings">Settings of the service, over the test defaults.</param>
    protected ApiSpec(IReadOnlyDictionary<string, string?>? settings) => Service = new ServiceFactory(settings);

    protected ServiceFactory Service { get; }

    protected HttpClient Http { get; private set; } = null!;

    public Task InitializeAsync()
    {
        Http = Service.CreateClient();
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        Http.Dispose();
        await Service.DisposeAsync();
    }
}

/// <summary>An <see cref="ApiSpec"/> whose service has settings of its own.</summary>
public abstract class ApiSpecWith(IReadOnlyDictionary<string, string?> settings) : ApiSpec(settings);

/// <summary>A handler's context outside the queue, for running a handler directly (as a user's handler test would).</summary>
internal sealed class HandlerContext(string taskId, int attempt, CancellationToken cancellationToken, Action<double> onProgress) : Actors.Tasks.ITaskContext
{
    public string TaskId { get; } = taskId;

    public int Attempt { get; } = attempt;

    public string? IdempotencyKey => null;

    public CancellationToken CancellationToken { get; } = cancellationToken;

    public IServiceProvider Services { get; } = Microsoft.Extensions.DependencyInjection.ServiceCollectionContainerBuilderExtensions.BuildServiceProvider(new Microsoft.Extensions.DependencyInjection.ServiceCollection());

    public void ReportProgress(double percent, string? currentOperation = null) => onProgress(percent);
}
