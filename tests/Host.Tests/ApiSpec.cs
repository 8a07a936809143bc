namespace Host.Tests;

/// <summary>A test class with its own in-process service and a client for it.</summary>
public abstract class ApiSpec : IAsyncLifetime
{
    protected ServiceFactory Service { get; } = new();

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
