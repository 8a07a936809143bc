using System.Net;

namespace Host.Tests;

public sealed class ApiKeySpecs
{
    [Fact]
    public async Task Bound_beyond_loopback_every_api_call_should_need_the_key()
    {
        await using var service = new ServiceFactory(new Dictionary<string, string?> { ["urls"] = "http://0.0.0.0:5999", ["Service:ApiKey"] = "s3cret-key" });
        using var http = service.CreateClient();

        var without = await http.GetAsync("/api/task-types");
        var wrong = new HttpRequestMessage(HttpMethod.Get, "/api/task-types") { Headers = { { "X-Api-Key", "guess" } } };
        var right = new HttpRequestMessage(HttpMethod.Get, "/api/task-types") { Headers = { { "X-Api-Key", "s3cret-key" } } };

        Assert.Equal(HttpStatusCode.Unauthorized, without.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await http.SendAsync(wrong)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await http.SendAsync(right)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/health")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await http.GetAsync("/metrics")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await http.SendAsync(new HttpRequestMessage(HttpMethod.Get, "/metrics") { Headers = { { "X-Api-Key", "s3cret-key" } } })).StatusCode);
    }

    [Fact]
    public async Task On_loopback_no_key_should_be_needed()
    {
        await using var service = new ServiceFactory();
        using var http = service.CreateClient();

        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/api/task-types")).StatusCode);
    }

    [Fact]
    public async Task Bound_beyond_loopback_without_a_key_the_service_should_refuse_to_start()
    {
        // It refuses before it listens, so nothing is bound beyond loopback.
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => ServiceProcess.StartAsync(TimeSpan.FromSeconds(60), bindAddress: "0.0.0.0"));

        Assert.Contains("exited with 1 before listening", error.Message);
        Assert.Contains("without an API key: set Service:ApiKey", error.Message);
    }
}
