using Actors.Host;
using Serilog;

Log.Logger = new LoggerConfiguration().WriteTo.Console().CreateBootstrapLogger();
try
{
    var builder = WebApplication.CreateBuilder(args);
    builder.AddActorsService();
    var app = builder.Build();
    // Akka.Logger.Serilog writes Akka's events with the static logger: from here on it is the service's own.
    Log.Logger = app.Services.GetRequiredService<Serilog.ILogger>();
    app.MapActorsService();
    await app.RunAsync();
    return Environment.ExitCode; // 1 when the service refused to serve what it bound (see Exposure)
}
catch (Exception ex)
{
    Log.Fatal(ex, "The service stopped unexpectedly");
    return 1;
}
finally
{
    await Log.CloseAndFlushAsync();
}

/// <summary>The service's entry point; public so tests can host it with WebApplicationFactory.</summary>
public partial class Program;
