using System.Net;

namespace Host.Tests;

public sealed class ServiceLifecycleSpecs
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task The_service_should_answer_health_and_exit_0_after_a_graceful_shutdown_on_SIGTERM()
    {
        await using var service = await ServiceProcess.StartAsync(Patience);
        using var http = new HttpClient { BaseAddress = service.BaseAddress };

        var health = await http.GetAsync("/health");
        var body = await health.Content.ReadAsStringAsync();
        var exitCode = await service.TerminateAsync(Patience);

        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        Assert.Equal("Healthy", body);
        Assert.Equal(0, exitCode);
        Assert.Contains("CoordinatedShutdown invoked", service.Output);
        Assert.Contains("Application is shutting down", service.Output);
    }

    [Fact]
    public async Task The_service_should_listen_only_on_loopback_by_default()
    {
        await using var service = await ServiceProcess.StartAsync(Patience);

        Assert.Equal("127.0.0.1", service.BaseAddress.Host);
        Assert.Contains($"Now listening on: {service.BaseAddress.ToString().TrimEnd('/')}", service.Output);
        Assert.Equal(0, await service.TerminateAsync(Patience));
    }
}
