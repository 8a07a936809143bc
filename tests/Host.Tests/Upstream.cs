using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;

namespace Host.Tests;

/// <summary>A loopback HTTP server for the tests of http.fetch.</summary>
internal static class Upstream
{
    public static async Task<WebApplication> StartAsync(RequestDelegate handle, string address = "127.0.0.1")
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls($"http://{address}:0");
        var upstream = builder.Build();
        upstream.Run(handle);
        await upstream.StartAsync();
        return upstream;
    }
}
