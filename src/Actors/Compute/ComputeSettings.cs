using Actors.Configuration;
using Akka.Actor;
using Akka.Configuration;

namespace Actors.Compute;

/// <summary>Settings of the compute pool, read from <c>actors.compute</c> (see <c>hocon/compute.conf</c>).</summary>
/// <param name="PoolSize">How many workers run units at once.</param>
/// <param name="Strict">Whether every run refuses functions that capture mutable state.</param>
/// <param name="TimeSlice">How long a worker takes units of one run before turning to the next run.</param>
/// <param name="BatchTarget">About how much work one claim of fine-grained units covers.</param>
/// <param name="AskTimeout">How long the facade waits for the pool to answer a query.</param>
public sealed record ComputeSettings(int PoolSize, bool Strict, TimeSpan TimeSlice, TimeSpan BatchTarget, TimeSpan AskTimeout)
{
    /// <summary>The id of the workers' dispatcher in the configuration.</summary>
    public const string DispatcherId = "actors.compute.dispatcher";

    /// <summary>Reads <c>actors.compute</c>, falling back to the library defaults.</summary>
    /// <exception cref="ConfigurationException">A value is out of range.</exception>
    public static ComputeSettings Create(ActorSystem system)
    {
        var config = ActorsConfig.For(system).GetConfig("actors.compute");
        return new ComputeSettings(
            ReadCount(config, "pool-size"),
            config.GetBoolean("strict"),
            config.GetTimeSpan("time-slice"),
            config.GetTimeSpan("batch-target"),
            config.GetTimeSpan("ask-timeout")).Validated();
    }

    /// <summary>These settings, checked.</summary>
    /// <exception cref="ConfigurationException">A value is out of range.</exception>
    public ComputeSettings Validated()
    {
        if (PoolSize < 1 || TimeSlice <= TimeSpan.Zero || BatchTarget <= TimeSpan.Zero || AskTimeout <= TimeSpan.Zero)
        {
            throw new ConfigurationException($"actors.compute: pool-size must be at least 1 (or auto); time-slice, batch-target and ask-timeout positive; got {this}.");
        }

        return this;
    }

    /// <summary>A count that may be <c>auto</c>: one per core.</summary>
    internal static int ReadCount(Config config, string path) =>
        string.Equals(config.GetString(path), "auto", StringComparison.OrdinalIgnoreCase) ? Environment.ProcessorCount : config.GetInt(path);
}

/// <summary>
/// Code-side overrides of the compute pool's settings. Unset properties keep the HOCON value
/// (<c>actors.compute</c>).
/// </summary>
public sealed class ComputeOptions
{
    /// <summary>How many workers; default one per core.</summary>
    public int? PoolSize { get; set; }

    /// <summary>Strict mode for every run; default off.</summary>
    public bool? Strict { get; set; }

    /// <summary>How long a worker takes units of one run before turning to the next; default 10 ms.</summary>
    public TimeSpan? TimeSlice { get; set; }

    /// <summary>About how much work one claim of fine-grained units covers; default 50 µs.</summary>
    public TimeSpan? BatchTarget { get; set; }

    /// <summary>Renders the properties that were set as HOCON under <c>actors.compute</c>.</summary>
    public Config ToConfig()
    {
        var lines = new List<string>();
        if (PoolSize is { } size)
        {
            lines.Add($"pool-size = {size}");
        }

        if (Strict is { } strict)
        {
            lines.Add($"strict = {(strict ? "on" : "off")}");
        }

        if (TimeSlice is { } slice)
        {
            lines.Add($"time-slice = {(long)(slice.TotalMicroseconds)}micros");
        }

        if (BatchTarget is { } target)
        {
            lines.Add($"batch-target = {(long)(target.TotalMicroseconds)}micros");
        }

        return lines.Count == 0 ? Config.Empty : ConfigurationFactory.ParseString($"actors.compute {{\n{string.Join('\n', lines)}\n}}");
    }
}
