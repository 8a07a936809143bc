using System.Security.Cryptography;
using System.Text;

namespace Actors.Host.Api;

/// <summary>
/// When the service listens beyond loopback, every <c>/api</c> call must carry the configured key in the
/// <c>X-Api-Key</c> header (compared in constant time; never logged).
/// </summary>
internal sealed class ApiKeyMiddleware(RequestDelegate next, byte[] key)
{
    public const string Header = "X-Api-Key";

    public async Task InvokeAsync(HttpContext context)
    {
        if (context.Request.Path.StartsWithSegments("/api") && !Matches(context.Request.Headers[Header].ToString()))
        {
            context.Response.Headers.WWWAuthenticate = Header;
            await Results.Problem(statusCode: StatusCodes.Status401Unauthorized, title: "API key required",
                detail: $"The service listens beyond loopback: send the configured key in the {Header} header.").ExecuteAsync(context);
            return;
        }

        await next(context);
    }

    private bool Matches(string presented) =>
        presented.Length > 0 && CryptographicOperations.FixedTimeEquals(SHA256.HashData(Encoding.UTF8.GetBytes(presented)), key);

    /// <summary>Requires the key on <c>/api</c> if <paramref name="urls"/> reach beyond loopback.</summary>
    /// <exception cref="InvalidOperationException">They do and no key is configured.</exception>
    public static void UseIfExposed(WebApplication app, IReadOnlyCollection<string> urls, string? apiKey)
    {
        if (ServiceOptions.AllLoopback(urls))
        {
            return;
        }

        if (string.IsNullOrWhiteSpace(apiKey))
        {
            throw new InvalidOperationException($"The service would listen on {string.Join(", ", urls)}, beyond loopback, without an API key: set Service:ApiKey (or Service__ApiKey), or bind to 127.0.0.1.");
        }

        app.UseMiddleware<ApiKeyMiddleware>(SHA256.HashData(Encoding.UTF8.GetBytes(apiKey)));
    }
}
