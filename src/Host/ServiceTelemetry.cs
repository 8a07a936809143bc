using Actors.Telemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;

namespace Actors.Host;

/// <summary>
/// The service's telemetry on the OpenTelemetry SDK: the library's meters and ASP.NET Core's, scraped in Prometheus text
/// format at <c>/metrics</c>, and exported over OTLP as well when <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> is set.
/// </summary>
internal static class ServiceTelemetry
{
    public const string MetricsPath = "/metrics";

    public static IServiceCollection AddServiceTelemetry(this IServiceCollection services, IConfiguration configuration)
    {
        var otlp = !string.IsNullOrWhiteSpace(configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]);
        services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService("actors-host"))
            .WithMetrics(metrics =>
            {
                metrics.AddMeter(ActorsTelemetry.Meters).AddAspNetCoreInstrumentation().AddPrometheusExporter();
                if (otlp)
                {
                    metrics.AddOtlpExporter();
                }
            });
        return services;
    }

    public static WebApplication MapServiceTelemetry(this WebApplication app)
    {
        app.MapPrometheusScrapingEndpoint(MetricsPath);
        return app;
    }
}
