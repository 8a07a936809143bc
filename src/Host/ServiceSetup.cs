using Actors.Hosting;
using Akka.Hosting;
using Serilog;
using Serilog.Formatting.Compact;

namespace Actors.Host;

/// <summary>Wires the service: logging, the actor system, and the HTTP endpoints.</summary>
internal static class ServiceSetup
{
    /// <summary>Where the service listens unless <c>--urls</c>, <c>ASPNETCORE_URLS</c> or <c>Urls</c> says otherwise.</summary>
    public const string DefaultUrl = "http://127.0.0.1:5080";

    public static WebApplicationBuilder AddActorsService(this WebApplicationBuilder builder)
    {
        if (string.IsNullOrWhiteSpace(builder.Configuration["urls"]))
        {
            builder.WebHost.UseUrls(DefaultUrl);
        }

        builder.Services.AddSerilog((services, logger) =>
        {
            logger.ReadFrom.Configuration(builder.Configuration).ReadFrom.Services(services).Enrich.FromLogContext();
            if (builder.Configuration.GetValue<bool>("Logging:Json"))
            {
                logger.WriteTo.Console(new CompactJsonFormatter());
            }
            else
            {
                logger.WriteTo.Console(outputTemplate: "[{Timestamp:HH:mm:ss.fff} {Level:u3}] {SourceContext}: {Message:lj}{NewLine}{Exception}");
            }
        });
        builder.Services.AddHealthChecks();
        builder.Services.AddActors("actors", (akka, _) => akka
            .ConfigureLoggers(loggers =>
            {
                // Akka's log events go through Microsoft.Extensions.Logging, so Serilog writes them.
                loggers.LogLevel = Akka.Event.LogLevel.InfoLevel;
                loggers.ClearLoggers();
                loggers.AddLoggerFactory();
            })
            .WithActorSystemLivenessCheck());
        return builder;
    }

    public static WebApplication MapActorsService(this WebApplication app)
    {
        app.MapHealthChecks("/health");
        return app;
    }
}
