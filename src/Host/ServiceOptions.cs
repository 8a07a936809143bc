using System.Globalization;
using System.Net;

namespace Actors.Host;

/// <summary>
/// The service's settings: the <c>Service</c> section of <c>appsettings.json</c>, or environment variables
/// such as <c>Service__Port</c>. Library settings (task limits, pool size) are mapped onto the HOCON defaults.
/// </summary>
public sealed class ServiceOptions
{
    /// <summary>The configuration section.</summary>
    public const string Section = "Service";

    /// <summary>The address to listen on; loopback by default. Any other address requires <see cref="ApiKey"/>.</summary>
    public string BindAddress { get; set; } = "127.0.0.1";

    /// <summary>The port to listen on.</summary>
    public int Port { get; set; } = 5080;

    /// <summary>Where the service keeps its files (SQLite databases); relative paths are under the working directory.</summary>
    public string DataFolder { get; set; } = "data";

    /// <summary>The folder that file tasks (<c>files.hash</c>, <c>files.scan</c>, <c>code.analyze</c>) may read; their paths must lie under it.</summary>
    public string FilesRoot { get; set; } = ".";

    /// <summary>The key every <c>/api</c> call must send (<c>X-Api-Key</c> header) when the service listens beyond loopback. Never logged.</summary>
    public string? ApiKey { get; set; }

    /// <summary>The largest request body accepted, in KB.</summary>
    public int MaxRequestBodyKb { get; set; } = 256;

    /// <summary>
    /// How many events one server-sent-events client may have waiting before it is disconnected: about five seconds of the
    /// dashboard's rated 1,000 events a second, so a browser tab that stalls for a second (a collection, a busy machine) is not
    /// cut off and made to reload its snapshot, while a client that has stopped reading still is, within seconds.
    /// </summary>
    public int EventClientBuffer { get; set; } = 5_000;

    /// <summary>How many tasks run at once across all types (<c>actors.tasks.global-concurrency</c>).</summary>
    public int? TaskConcurrency { get; set; }

    /// <summary>How many unfinished tasks the queue holds (<c>actors.tasks.capacity</c>).</summary>
    public int? TaskCapacity { get; set; }

    /// <summary>During shutdown, how long running tasks may go on (<c>actors.tasks.shutdown-grace</c>), in seconds.</summary>
    public double? ShutdownGraceSeconds { get; set; }

    /// <summary>Per task type, how many of its tasks may run at once (overrides the type's preset), e.g. <c>"http.fetch": 64</c>.</summary>
    public Dictionary<string, int> TaskTypeConcurrency { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Per task type, how many of its tasks may start per second (tasks beyond it wait), e.g. <c>"http.fetch": 20</c>.</summary>
    public Dictionary<string, int> TaskTypeRatePerSecond { get; set; } = new(StringComparer.Ordinal);

    /// <summary><paramref name="definition"/> with its concurrency limit and start rate from <see cref="TaskTypeConcurrency"/> and <see cref="TaskTypeRatePerSecond"/>, where set.</summary>
    public Actors.Tasks.TaskDefinition Configure(Actors.Tasks.TaskDefinition definition)
    {
        var settings = definition.Settings;
        if (TaskTypeConcurrency.TryGetValue(definition.Type, out var limit))
        {
            settings = settings.WithConcurrencyLimit(limit);
        }

        if (TaskTypeRatePerSecond.TryGetValue(definition.Type, out var rate))
        {
            settings = settings.WithRateLimit(new Actors.Tasks.TaskRateLimit(rate));
        }

        return ReferenceEquals(settings, definition.Settings) ? definition : definition.WithSettings(settings);
    }

    /// <summary>Settings of the <c>http.fetch</c> task type.</summary>
    public HttpFetchOptions HttpFetch { get; set; } = new();

    /// <summary>Whether the queue holds back lower priorities while the process is overloaded (<c>actors.tasks.load-shedding</c>); off by default.</summary>
    public bool? LoadShedding { get; set; }

    /// <summary>Compute pool workers (<c>actors.compute.pool-size</c>); unset for one per core.</summary>
    public int? ComputeWorkers { get; set; }

    /// <summary>The URL to listen on, from <see cref="BindAddress"/> and <see cref="Port"/>.</summary>
    public string Url => $"http://{(IPAddress.TryParse(BindAddress, out var ip) && ip.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? $"[{BindAddress}]" : BindAddress)}:{Port}";

    /// <summary>The library settings these options override, as HOCON (empty when none is set).</summary>
    public string ToHocon()
    {
        var lines = new List<string>();
        if (TaskConcurrency is { } concurrency)
        {
            lines.Add($"actors.tasks.global-concurrency = {concurrency}");
        }

        if (TaskCapacity is { } capacity)
        {
            lines.Add($"actors.tasks.capacity = {capacity}");
        }

        if (ShutdownGraceSeconds is { } grace)
        {
            lines.Add($"actors.tasks.shutdown-grace = {grace.ToString(CultureInfo.InvariantCulture)}s");
            lines.Add($"akka.coordinated-shutdown.phases.service-stop.timeout = {(grace + ShutdownMarginSeconds).ToString(CultureInfo.InvariantCulture)}s");
        }

        if (LoadShedding is { } shedding)
        {
            lines.Add($"actors.tasks.load-shedding = {(shedding ? "on" : "off")}");
        }

        if (ComputeWorkers is { } workers)
        {
            lines.Add($"actors.compute.pool-size = {workers}");
        }

        return string.Join('\n', lines);
    }

    /// <summary>What the shutdown phase and the host allow beyond the grace period: to store the attempts' ends and stop.</summary>
    public const double ShutdownMarginSeconds = 5;

    /// <summary>The effective shutdown grace (the library's default is 10 s).</summary>
    public TimeSpan ShutdownGrace => TimeSpan.FromSeconds(ShutdownGraceSeconds ?? 10);

    /// <summary>Checks the values.</summary>
    /// <exception cref="InvalidOperationException">One is out of range.</exception>
    public ServiceOptions Validated()
    {
        if (TaskTypeConcurrency.Values.Any(limit => limit < 1) || TaskTypeRatePerSecond.Values.Any(rate => rate < 1))
        {
            throw new InvalidOperationException("Service:TaskTypeConcurrency limits and Service:TaskTypeRatePerSecond rates must be at least 1.");
        }

        if (HttpFetch is { BreakerFailures: < 1 } or { BreakerOpenSeconds: <= 0 } or { PerHostRatePerSecond: < 0 } or { CacheSeconds: < 0 })
        {
            throw new InvalidOperationException(
                "Service:HttpFetch: BreakerFailures must be at least 1, BreakerOpenSeconds above 0, PerHostRatePerSecond and CacheSeconds not negative (0: none).");
        }

        if (Port is < 0 or > 65535 || MaxRequestBodyKb < 1 || EventClientBuffer < 16 || string.IsNullOrWhiteSpace(DataFolder) || string.IsNullOrWhiteSpace(FilesRoot))
        {
            throw new InvalidOperationException("Service settings: Port must be 0-65535, MaxRequestBodyKb at least 1, EventClientBuffer at least 16, DataFolder and FilesRoot set.");
        }

        return this;
    }

    /// <summary>Whether every address in <paramref name="urls"/> is a loopback one (so no API key is needed).</summary>
    public static bool AllLoopback(IEnumerable<string> urls) => urls.All(url =>
    {
        var host = url.Split("://", 2).Last().Split('/')[0];
        host = host.StartsWith('[') ? host[1..host.IndexOf(']')] : host.Split(':')[0];
        return host.Equals("localhost", StringComparison.OrdinalIgnoreCase) || (IPAddress.TryParse(host, out var ip) && IPAddress.IsLoopback(ip));
    });
}

/// <summary>The <c>Service:HttpFetch</c> section.</summary>
public sealed class HttpFetchOptions
{
    /// <summary>
    /// Whether <c>http.fetch</c> may reach loopback, private, link-local and other internal addresses (false by
    /// default: the service would otherwise fetch its own API, or a cloud metadata endpoint, for any caller).
    /// </summary>
    public bool AllowPrivateNetworks { get; set; }

    /// <summary>How many fetches of one host may start per second (each host has its own limit): 20 by default, a polite crawler's pace; 0 for no limit.</summary>
    public int PerHostRatePerSecond { get; set; } = 20;

    /// <summary>Whether each host's concurrency adapts to its latency and errors (from 4, up to the type's limit); true by default. Off: the type's limit alone.</summary>
    public bool AdaptivePerHost { get; set; } = true;

    /// <summary>How many failed fetches of a host in a row open its circuit breaker (its fetches then wait); 5 by default.</summary>
    public int BreakerFailures { get; set; } = 5;

    /// <summary>How long a host's open breaker waits before one fetch probes it, in seconds; 30 by default.</summary>
    public double BreakerOpenSeconds { get; set; } = 30;

    /// <summary>How long a fetched URL's result serves identical fetches, in seconds; unset (the default) for no caching.</summary>
    public double? CacheSeconds { get; set; }
}
