using System.Diagnostics;
using System.Net;
using System.Security.Cryptography;
using Actors.Tasks;

namespace Actors.Host.BuiltIn;

/// <summary><c>http.fetch</c>: GETs an http(s) URL, retrying transient failures (network errors, 408, 429, 5xx).</summary>
public static class HttpFetchTask
{
    private const int DefaultMaxBytes = 10 << 20;

    /// <summary>The task type's definition, fetching through a client whose connections <paramref name="guard"/> checks, with the policies of <paramref name="options"/>.</summary>
    public static TaskDefinition Create(NetworkGuard guard, HttpFetchOptions options) => Create(guard, options, new HttpClient(new SocketsHttpHandler
    {
        ConnectTimeout = TimeSpan.FromSeconds(10),
        MaxAutomaticRedirections = 5,
        ConnectCallback = guard.ConnectAsync,
        UseProxy = false, // a proxy would make the connection the guard checks, not the one to the target
        PooledConnectionLifetime = TimeSpan.FromMinutes(2),
    })
    {
        Timeout = TimeSpan.FromSeconds(30),
    });

    /// <summary>
    /// The task type's definition, fetching with <paramref name="client"/> (whose handler should connect through <paramref name="guard"/>).
    /// Each host has its own circuit breaker and adaptive concurrency limit (and, if configured, start rate): a host that
    /// fails or slows down holds back its own fetches, not the others'.
    /// </summary>
    public static TaskDefinition Create(NetworkGuard guard, HttpFetchOptions options, HttpClient client) =>
        TaskDefinition.Create<HttpFetchInput, FetchResult>("http.fetch", (input, context) => FetchAsync(client, input, context), Policies(options))
            .WithValidation<HttpFetchInput>(input => Problem(guard, input))
            .WithPolicyKey<HttpFetchInput>(input => new Uri(input.Url).Authority)
            .WithDescription("GET an http(s) URL with retries on transient errors (input: { url, maxBytes? }): status, type, size, SHA-256; internal addresses are refused; per host: a circuit breaker and an adaptive limit");

    private static TaskSettings Policies(HttpFetchOptions options)
    {
        var settings = TaskPresets.ExternalApi.WithCircuitBreaker(new TaskCircuitBreaker(options.BreakerFailures, TimeSpan.FromSeconds(options.BreakerOpenSeconds)));
        settings = options.AdaptivePerHost ? settings.WithAdaptiveConcurrency(new TaskAdaptiveConcurrency(Min: 1, Initial: 4)) : settings;
        settings = options.PerHostRatePerSecond > 0 ? settings.WithRateLimit(new TaskRateLimit(options.PerHostRatePerSecond)) : settings;
        return options.CacheSeconds is > 0 and var seconds ? settings.WithResultSharing(new TaskResultSharing(TimeSpan.FromSeconds(seconds))) : settings;
    }

    private static string? Problem(NetworkGuard guard, HttpFetchInput? input) => input switch
    {
        null => "'input' is required: { \"url\": \"https://...\" }.",
        _ when !Uri.TryCreate(input.Url, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps) =>
            "'url' must be an absolute http or https URL.",
        _ when new Uri(input.Url).UserInfo.Length > 0 => "'url' must not carry a user name or password.",
        _ when IPAddress.TryParse(new Uri(input.Url).DnsSafeHost, out var address) && !guard.Allows(address) =>
            $"'url' names {address}, a loopback, private, link-local or otherwise internal address; http.fetch does not reach those.",
        { MaxBytes: < 1 or > 100 << 20 } => "'maxBytes' must be from 1 to 104857600.",
        _ => null,
    };

    private static async Task<FetchResult> FetchAsync(HttpClient client, HttpFetchInput input, ITaskContext context)
    {
        var watch = Stopwatch.StartNew();
        HttpResponseMessage response;
        try
        {
            response = await client.GetAsync(input.Url, HttpCompletionOption.ResponseHeadersRead, context.CancellationToken);
        }
        catch (HttpRequestException e) when (Blocked(e) is { } blocked)
        {
            throw new UserActionableTaskException($"GET {input.Url} refused: {blocked.Message}", "Fetch a public address; internal ones are refused unless Service:HttpFetch:AllowPrivateNetworks is set.");
        }
        catch (HttpRequestException e)
        {
            throw new RetryableTaskException($"GET {input.Url} failed: {e.Message}");
        }

        using (response)
        {
            if (response.StatusCode is HttpStatusCode.RequestTimeout or HttpStatusCode.TooManyRequests || (int)response.StatusCode >= 500)
            {
                throw new RetryableTaskException($"GET {input.Url} answered {(int)response.StatusCode} {response.ReasonPhrase}.", response.Headers.RetryAfter?.Delta);
            }

            if (!response.IsSuccessStatusCode)
            {
                throw new UserActionableTaskException($"GET {input.Url} answered {(int)response.StatusCode} {response.ReasonPhrase}.", "Check the URL; retrying will not help.");
            }

            var (bytes, sha256, truncated) = await ReadAsync(response, input.MaxBytes ?? DefaultMaxBytes, context);
            return new FetchResult((int)response.StatusCode, response.Content.Headers.ContentType?.ToString(), bytes, sha256, watch.Elapsed.TotalMilliseconds, truncated);
        }
    }

    private static BlockedDestinationException? Blocked(Exception e) =>
        e as BlockedDestinationException ?? (e.InnerException is { } inner ? Blocked(inner) : null);

    private static async Task<(long Bytes, string Sha256, bool Truncated)> ReadAsync(HttpResponseMessage response, int maxBytes, ITaskContext context)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        await using var body = await response.Content.ReadAsStreamAsync(context.CancellationToken);
        var buffer = new byte[81920];
        var total = 0L;
        int read;
        while ((read = await body.ReadAsync(buffer.AsMemory(0, (int)Math.Min(buffer.Length, maxBytes - total)), context.CancellationToken)) > 0)
        {
            hash.AppendData(buffer, 0, read);
            total += read;
            if (response.Content.Headers.ContentLength is > 0 and var length)
            {
                context.ReportProgress(100.0 * total / length);
            }

            if (total >= maxBytes)
            {
                return (total, Convert.ToHexStringLower(hash.GetHashAndReset()), true);
            }
        }

        return (total, Convert.ToHexStringLower(hash.GetHashAndReset()), false);
    }
}

/// <summary>The input of <c>http.fetch</c>.</summary>
/// <param name="Url">An absolute http or https URL.</param>
/// <param name="MaxBytes">Read at most this much of the body (10 MB by default).</param>
public sealed record HttpFetchInput(string Url, int? MaxBytes = null);

/// <summary>What <c>http.fetch</c> got.</summary>
public sealed record FetchResult(int Status, string? ContentType, long Bytes, string Sha256, double ElapsedMs, bool Truncated);
