using Actors.Tasks;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Host.Tests;

/// <summary>
/// The service in-process (WebApplicationFactory), with its files root and data folder in a temporary
/// folder, and test task types added the way a user adds their own (as <see cref="TaskDefinition"/> services).
/// </summary>
public sealed class ServiceFactory : WebApplicationFactory<Program>
{
    private readonly Dictionary<string, string?> _settings;

    public ServiceFactory(IReadOnlyDictionary<string, string?>? settings = null)
    {
        Root = Directory.CreateTempSubdirectory("actors-api-");
        _settings = new Dictionary<string, string?>
        {
            ["Service:FilesRoot"] = Root.FullName,
            ["Service:DataFolder"] = Path.Combine(Root.FullName, "data"),
            ["Serilog:MinimumLevel:Default"] = "Warning",
            // The http.fetch tests fetch from a loopback upstream; the guard's own specs switch this off.
            ["Service:HttpFetch:AllowPrivateNetworks"] = "true",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            _settings[key] = value;
        }
    }

    /// <summary>The files root: tests put the folders their tasks read here.</summary>
    public DirectoryInfo Root { get; }

    /// <summary>Opened by the test to let <c>test.gate</c> tasks end.</summary>
    public TaskCompletionSource Gate { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        foreach (var (key, value) in _settings)
        {
            builder.UseSetting(key, value);
        }

        builder.ConfigureServices(services =>
        {
            services.AddSingleton(TaskDefinition.Create<int, int>("test.gate", async (n, context) =>
            {
                await Gate.Task.WaitAsync(context.CancellationToken);
                return n;
            }, TaskPresets.Analysis.WithConcurrencyLimit(1).WithRetry(RetryPolicy.None)));
            services.AddSingleton(TaskDefinition.Create<int, int>("test.echo", (n, _) => Task.FromResult(n), TaskPresets.Analysis.WithConcurrencyLimit(4)));
        });
    }

    public override async ValueTask DisposeAsync()
    {
        Gate.TrySetResult();
        await base.DisposeAsync();
        try
        {
            Root.Delete(recursive: true);
        }
        catch (IOException)
        {
            // A file may still be open by a task cancelled at shutdown; the temp folder is cleaned by the OS.
        }
    }
}
