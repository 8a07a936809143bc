using Actors.Configuration;
using Akka.Actor;
using Akka.Configuration;

namespace Actors.Jobs;

/// <summary>Settings of one job manager, read from <c>actors.jobs</c> (see <c>hocon/jobs.conf</c>).</summary>
/// <param name="StopTimeout">How long a stopping job may take to honour its cancellation token.</param>
/// <param name="AskTimeout">How long the facades wait for an answer from the manager or a job.</param>
public sealed record JobManagerSettings(TimeSpan StopTimeout, TimeSpan AskTimeout)
{
    /// <summary>
    /// Reads the settings of the manager <paramref name="managerName"/>: <c>actors.jobs.managers.&lt;name&gt;</c>,
    /// falling back to <c>actors.jobs</c>, falling back to the library defaults.
    /// </summary>
    public static JobManagerSettings Create(ActorSystem system, string managerName)
    {
        var jobs = ActorsConfig.For(system).GetConfig("actors.jobs");
        var own = jobs.GetConfig($"managers.{managerName}");
        var effective = own is null || own.IsEmpty ? jobs : own.WithFallback(jobs);
        return new JobManagerSettings(effective.GetTimeSpan("stop-timeout"), effective.GetTimeSpan("ask-timeout")).Validated();
    }

    /// <summary>These settings with whatever <paramref name="options"/> sets.</summary>
    public JobManagerSettings With(JobManagerOptions? options) => options is null
        ? this
        : new JobManagerSettings(options.StopTimeout ?? StopTimeout, options.AskTimeout ?? AskTimeout).Validated();

    private JobManagerSettings Validated()
    {
        if (StopTimeout <= TimeSpan.Zero)
        {
            throw new ConfigurationException($"actors.jobs stop-timeout must be positive; it is {StopTimeout}.");
        }

        if (AskTimeout <= TimeSpan.Zero)
        {
            throw new ConfigurationException($"actors.jobs ask-timeout must be positive; it is {AskTimeout}.");
        }

        return this;
    }
}

/// <summary>
/// Code-side overrides for one job manager. Unset properties keep the HOCON value
/// (<c>actors.jobs.managers.&lt;name&gt;</c>, then <c>actors.jobs</c>).
/// </summary>
public sealed class JobManagerOptions
{
    /// <summary>How long a stopping job may take to honour its cancellation token. Default 10 s.</summary>
    public TimeSpan? StopTimeout { get; set; }

    /// <summary>How long the facades wait for an answer. Default 10 s.</summary>
    public TimeSpan? AskTimeout { get; set; }

    /// <summary>Renders the properties that were set as HOCON under <c>actors.jobs.managers.&lt;name&gt;</c>.</summary>
    public Config ToConfig(string managerName)
    {
        var lines = new List<string>();
        if (StopTimeout is { } stop)
        {
            lines.Add($"stop-timeout = {(long)stop.TotalMilliseconds}ms");
        }

        if (AskTimeout is { } ask)
        {
            lines.Add($"ask-timeout = {(long)ask.TotalMilliseconds}ms");
        }

        return lines.Count == 0
            ? Config.Empty
            : ConfigurationFactory.ParseString($"actors.jobs.managers.{managerName} {{\n{string.Join('\n', lines)}\n}}");
    }
}
