using Actors.Telemetry;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry.Metrics;

namespace Host.Tests;

/// <summary>The example of docs/observability.md, compiled and run.</summary>
public sealed class ObservabilityGuideExamples
{
    [Fact]
    public async Task The_meters_added_to_the_sdk_should_be_scraped_by_prometheus()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Services.AddOpenTelemetry().WithMetrics(metrics => metrics.AddMeter(ActorsTelemetry.Meters).AddPrometheusExporter());
        await using var app = builder.Build();
        app.MapPrometheusScrapingEndpoint();
        await app.StartAsync();

        using var http = new HttpClient { BaseAddress = new Uri(app.Urls.Single()) };
        Assert.Equal(System.Net.HttpStatusCode.OK, (await http.GetAsync("/metrics")).StatusCode);
    }
}
