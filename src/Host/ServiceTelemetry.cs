using Actors.Telemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace Actors.Host;

/// <summary>
/// The service's telemetry on the OpenTelemetry SDK: the library's meters and ASP.NET Core's, scraped in Prometheus text
/// format at <c>/metrics</c>; the library's spans and ASP.NET Core's; both exported over OTLP when
/// <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> is set, and spans written to standard output with <c>Service:ConsoleTraces</c>.
/// </summary>
internal static class ServiceTelemetry
{
    public const string MetricsPath = "/metrics";

    public static IServiceCollection AddServiceTelemetry(this IServiceCollection services, IConfiguration configuration)
    {
        var otlp = !string.IsNullOrWhiteSpace(configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]);
        var console = configuration.GetValue("Service:ConsoleTraces", false);
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
        if (otlp || console)
        {
            services.AddOpenTelemetry().WithTracing(tracing =>
            {
                tracing.AddSource(ActorsTelemetry.Sources).AddAspNetCoreInstrumentation();
                if (otlp)
                {
                    tracing.AddOtlpExporter();
                }

                if (console)
                {
                    tracing.AddConsoleExporter();
                }
            });
        }

        return services;
    }

    public static WebApplication MapServiceTelemetry(this WebApplication app)
    {
        app.MapPrometheusScrapingEndpoint(MetricsPath);
        return app;
    }
}
