using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Actors.TestSupport;

/// <summary>A loopback HTTP server for the tests of http.fetch.</summary>
internal static class Upstream
{
    public static async Task<WebApplication> StartAsync(RequestDelegate handle, string address = "127.0.0.1")
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls($"http://{address}:0");
        // A test's upstream is scenery: its request logs would bury the test run's own output.
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        var upstream = builder.Build();
        upstream.Run(handle);
        await upstream.StartAsync();
        return upstream;
    }
}

/// <summary>A loopback upstream that holds every request until released (a call that runs for as long as a test needs), counting arrivals.</summary>
internal sealed class HeldUpstream : IAsyncDisposable
{
    private readonly TaskCompletionSource _released = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _arrived;
    private WebApplication? _app;

    /// <summary>Requests that have arrived, held or not.</summary>
    public int Arrived => Volatile.Read(ref _arrived);

    /// <summary>Its address.</summary>
    public string Url => _app!.Urls.Single();

    public static async Task<HeldUpstream> StartAsync()
    {
        var upstream = new HeldUpstream();
        upstream._app = await Upstream.StartAsync(async context =>
        {
            Interlocked.Increment(ref upstream._arrived);
            await upstream._released.Task.WaitAsync(context.RequestAborted);
            await context.Response.WriteAsync("ok");
        });
        return upstream;
    }

    /// <summary>Answers the held requests and every later one at once.</summary>
    public void Release() => _released.TrySetResult();

    public async ValueTask DisposeAsync()
    {
        Release();
        await _app!.DisposeAsync();
    }
}
