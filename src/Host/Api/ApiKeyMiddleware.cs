using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;

namespace Actors.Host.Api;

/// <summary>
/// When the service listens beyond loopback, every <c>/api</c> call (and <c>/metrics</c>) must carry the configured key in the
/// <c>X-Api-Key</c> header (compared in constant time; never logged). Whether it listens beyond loopback is
/// decided from the addresses the server actually bound (Kestrel's own configuration can add or override
/// addresses); an in-process test server binds nothing, and then the configured addresses count.
/// </summary>
internal sealed class ApiKeyMiddleware(RequestDelegate next, Exposure exposure)
{
    public const string Header = "X-Api-Key";

    public async Task InvokeAsync(HttpContext context)
    {
        if (exposure.Refusal is { } refusal)
        {
            // Bound beyond loopback without a key: the service is stopping (see Exposure.Check) and serves nothing meanwhile.
            await Results.Problem(statusCode: StatusCodes.Status503ServiceUnavailable, title: "Refusing to serve", detail: refusal).ExecuteAsync(context);
            return;
        }

        if (exposure.Key is { } key && (context.Request.Path.StartsWithSegments("/api") || context.Request.Path.StartsWithSegments(ServiceTelemetry.MetricsPath))
            && !Matches(context.Request.Headers[Header], key))
        {
            context.Response.Headers.WWWAuthenticate = Header;
            await Results.Problem(statusCode: StatusCodes.Status401Unauthorized, title: "API key required",
                detail: $"The service listens beyond loopback: send the configured key in the {Header} header.").ExecuteAsync(context);
            return;
        }

        await next(context);
    }

    private static bool Matches(Microsoft.Extensions.Primitives.StringValues presented, byte[] key) =>
        presented.Count == 1 && presented[0] is { Length: > 0 } value && CryptographicOperations.FixedTimeEquals(SHA256.HashData(Encoding.UTF8.GetBytes(value)), key);
}

/// <summary>Whether the service is reachable beyond loopback, from the addresses it was told and the ones it bound.</summary>
internal sealed class Exposure(IServer server, ListenUrls configured, Microsoft.Extensions.Options.IOptions<ServiceOptions> options)
{
    private readonly Lazy<(byte[]? Key, string? Refusal)> _decision = new(() => Decide(server, configured, options.Value.ApiKey));

    /// <summary>The key's hash when one is required; null on loopback.</summary>
    public byte[]? Key => _decision.Value.Key;

    /// <summary>Why nothing may be served (bound beyond loopback without a key); null when serving is fine.</summary>
    public string? Refusal => _decision.Value.Refusal;

    /// <summary>Refuses before binding when the configured addresses already reach beyond loopback without a key.</summary>
    /// <exception cref="InvalidOperationException">They do.</exception>
    public static void CheckConfigured(IReadOnlyCollection<string> urls, string? apiKey)
    {
        if (!ServiceOptions.AllLoopback(urls) && string.IsNullOrWhiteSpace(apiKey))
        {
            throw new InvalidOperationException(Message(urls));
        }
    }

    /// <summary>
    /// Once the server listens: if it bound any address beyond loopback without a key, logs why and stops the
    /// service with exit code 1 (requests meanwhile get 503).
    /// </summary>
    public void Check(IHostApplicationLifetime lifetime, ILogger log)
    {
        if (Refusal is { } refusal)
        {
            log.LogCritical("{Refusal}", refusal);
            Environment.ExitCode = 1;
            lifetime.StopApplication();
        }
    }

    private static (byte[]? Key, string? Refusal) Decide(IServer server, ListenUrls configured, string? apiKey)
    {
        // What the server bound wins; an in-process test server binds nothing, and then the configured addresses count.
        var bound = server.Features.Get<IServerAddressesFeature>()?.Addresses.ToArray() ?? [];
        var all = bound.Length > 0 ? bound : configured.Urls.ToArray();
        if (ServiceOptions.AllLoopback(all))
        {
            return (null, null);
        }

        return string.IsNullOrWhiteSpace(apiKey) ? (null, Message(all)) : (SHA256.HashData(Encoding.UTF8.GetBytes(apiKey)), null);
    }

    private static string Message(IEnumerable<string> urls) =>
        $"The service listens on {string.Join(", ", urls)}, beyond loopback, without an API key: set Service:ApiKey (or Service__ApiKey), or bind to 127.0.0.1.";
}
