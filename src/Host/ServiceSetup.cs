using Actors.Host.Api;
using Actors.Host.BuiltIn;
using Actors.Host.Dashboard;
using Actors.Host.Demo;
using Actors.Host.Events;
using Actors.Hosting;
using Actors.Jobs;
using Actors.Thunks;
using Actors.Tasks;
using Akka.Hosting;
using Akka.Logger.Serilog;
using Serilog;
using Serilog.Formatting.Compact;

namespace Actors.Host;

/// <summary>Wires the service: settings, logging, the actor system and its capabilities, the HTTP API.</summary>
internal static class ServiceSetup
{
    /// <summary>Where the service listens unless <c>--urls</c>, <c>ASPNETCORE_URLS</c>, <c>Urls</c> or <c>Service:Port</c> says otherwise.</summary>
    public const string DefaultUrl = "http://127.0.0.1:5080";

    public static WebApplicationBuilder AddActorsService(this WebApplicationBuilder builder)
    {
        // SQLite's driver (the journal, sqlite.bulk) blocks the threads it runs on; with the thread pool's
        // default minimum (one per core) a few blocked threads stall every request until it grows.
        ThreadPool.GetMinThreads(out var workers, out var completionPorts);
        ThreadPool.SetMinThreads(Math.Max(workers, 8 * Environment.ProcessorCount), completionPorts);

        var section = builder.Configuration.GetSection(ServiceOptions.Section);
        var options = (section.Get<ServiceOptions>() ?? new ServiceOptions()).Validated();
        builder.Services.Configure<ServiceOptions>(section);
        var urls = builder.Configuration["urls"] is { Length: > 0 } configured ? configured.Split(';', StringSplitOptions.RemoveEmptyEntries) : [options.Url];
        builder.WebHost.UseUrls(urls);
        builder.Services.AddSingleton(new ListenUrls(urls));
        builder.Services.AddSingleton<Exposure>();
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Limits.MaxRequestBodySize = options.MaxRequestBodyKb * 1024L);
        builder.Services.Configure<HostOptions>(host => host.ShutdownTimeout = options.ShutdownGrace + TimeSpan.FromSeconds(2 * ServiceOptions.ShutdownMarginSeconds));
        AddLogging(builder);

        builder.Services.AddProblemDetails();
        builder.Services.AddOpenApi(openApi => openApi.AddDocumentTransformer<OpenApiSecurity>());
        builder.Services.ConfigureHttpJsonOptions(json =>
        {
            json.SerializerOptions.MaxDepth = JsonBody.MaxDepth;
            foreach (var converter in JsonBody.Options.Converters)
            {
                json.SerializerOptions.Converters.Add(converter);
            }
        });
        builder.Services.AddSingleton(new JsonBody(options.MaxRequestBodyKb * 1024));
        builder.Services.AddBuiltInTasks(options);
        builder.Services.AddSingleton(provider => new TaskCatalog(provider.GetServices<TaskDefinition>().Select(options.Configure)));
        builder.Services.AddSingleton<JobWatchers>();
        builder.Services.AddHealthChecks().AddCheck<ReadinessCheck>("task-queue", tags: [ReadinessCheck.Tag]).AddCheck<TaskTypesHealthCheck>(TaskTypesHealthCheck.Name);
        builder.Services.AddSingleton<ServiceStartup>();
        builder.Services.AddServiceTelemetry(builder.Configuration);

        var hocon = options.ToHocon();
        var persistence = DurabilityOptions.From(builder.Configuration, options);
        var cluster = ClusterSettings.From(builder.Configuration);
        cluster.CheckWith(persistence);
        // On a cluster, job kinds are sharded (one stream per key) and the thunk system is one fenced singleton.
        var journaled = persistence.Provider != Actors.Durability.DurabilityProvider.None;
        builder.Services.AddSingleton(persistence);
        builder.Services.AddActors("actors", (akka, provider) =>
        {
            akka.ConfigureLoggers(loggers =>
                {
                    // Akka's log events go to Serilog through Akka.Logger.Serilog, which writes with Serilog's
                    // static logger: Program makes that the service's own logger, so they share its format.
                    loggers.LogLevel = Akka.Event.LogLevel.InfoLevel;
                    loggers.ClearLoggers();
                    loggers.AddLogger<SerilogLogger>();
                })
                .WithActorSystemLivenessCheck()
                .WithDurability(persistence.Provider, persistence.ConnectionString, persistence.SnapshotInterval)
                .WithCompute()
                .WithTaskQueue(tasks =>
                {
                    foreach (var definition in provider.GetServices<TaskDefinition>())
                    {
                        tasks.Add(options.Configure(definition));
                    }
                })
                .WithJobManager(CounterJob.Kind, durability: journaled ? new JobDurability<CounterState, CounterAction>(CounterJob.Create) : null, create: CounterJob.Create)
                .WithThunks(Ledger.Empty, Ledger.Apply, journaled
                    ? new ThunkDurability(new Dictionary<string, Type> { ["ledger.deposit"] = typeof(Deposit), ["ledger.withdraw"] = typeof(Withdraw) })
                    : null);
            if (!cluster.Enabled)
            {
                // Flows run on one node for now (the flow manager is not a cluster singleton yet).
                akka.WithFlows();
            }

            if (hocon.Length > 0)
            {
                akka.AddHocon(hocon, HoconAddMode.Prepend);
            }

            if (cluster.Enabled)
            {
                cluster.Apply(akka);
            }
        });
        builder.Services.AddHostedService(provider => provider.GetRequiredService<ServiceStartup>());
        return builder;
    }

    public static WebApplication MapActorsService(this WebApplication app)
    {
        // 503 while draining and 4xx are the API working as documented, not service errors.
        app.UseSerilogRequestLogging(logging => logging.GetLevel = (http, _, error) =>
            error is not null || (http.Response.StatusCode >= 500 && http.Response.StatusCode != StatusCodes.Status503ServiceUnavailable)
                ? Serilog.Events.LogEventLevel.Error
                : Serilog.Events.LogEventLevel.Information);
        // A request Kestrel refuses while it is read (a chunked body over the limit, a malformed one) is the client's fault.
        app.UseExceptionHandler(new ExceptionHandlerOptions { StatusCodeSelector = error => error is BadHttpRequestException bad ? bad.StatusCode : StatusCodes.Status500InternalServerError });
        app.UseStatusCodePages();
        var options = app.Services.GetRequiredService<Microsoft.Extensions.Options.IOptions<ServiceOptions>>().Value;
        Exposure.CheckConfigured(app.Services.GetRequiredService<ListenUrls>().Urls, options.ApiKey);
        var exposure = app.Services.GetRequiredService<Exposure>();
        LogWhereThingsAre(app, options);
        app.Lifetime.ApplicationStarted.Register(() => exposure.Check(app.Lifetime, app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Actors.Host.Security")));
        app.UseMiddleware<ApiKeyMiddleware>();

        app.MapOpenApi();
        app.MapDashboard();
        app.MapServiceTelemetry();
        app.MapHealthChecks("/health", new() { Predicate = check => !check.Tags.Contains(ReadinessCheck.Tag), ResponseWriter = HealthReportJson.WriteAsync });
        // Readiness is about taking work: an open breaker holds back one type's tasks, not the service's intake.
        app.MapHealthChecks("/health/ready", new() { Predicate = check => check.Name != TaskTypesHealthCheck.Name, ResponseWriter = HealthReportJson.WriteAsync });
        var api = app.MapGroup("/api");
        api.MapTaskEndpoints();
        api.MapJobKind<CounterState, CounterAction, CounterStart>(CounterJob.Kind, new CounterStart(), CounterJob.InitialState, CounterJob.Problem, CounterJob.Problem);
        api.MapThunkEndpoints();
        api.MapFlowEndpoints();
        api.MapEventEndpoints();
        api.MapClusterEndpoints();
        return app;
    }

    /// <summary>Says at start-up which folders the service uses, resolved, so a user sees where relative paths went.</summary>
    private static void LogWhereThingsAre(WebApplication app, ServiceOptions options)
    {
        var persistence = app.Services.GetRequiredService<DurabilityOptions>();
        app.Logger.LogInformation("Files root {FilesRoot}; data folder {DataFolder}; journal {Provider} {Journal}",
            app.Services.GetRequiredService<FolderGuard>().Root, Path.GetFullPath(options.DataFolder), persistence.Provider.ToString().ToLowerInvariant(),
            persistence.Provider == Actors.Durability.DurabilityProvider.Sqlite ? persistence.ConnectionString : "(connection string not logged)");
    }

    private static void AddLogging(WebApplicationBuilder builder) =>
        // preserveStaticLogger: the static bootstrap logger stays for Program's last words, and several hosts
        // (tests) can live in one process.
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
        }, preserveStaticLogger: true);
}

/// <summary>The addresses the service listens on (to decide whether the API needs a key).</summary>
internal sealed record ListenUrls(IReadOnlyCollection<string> Urls);
