using Actors.Host.Demo;
using Actors.Jobs;
using Actors.Orchestration;
using Actors.Tasks;
using Actors.Thunks;
using Akka.Actor;

namespace Actors.Host;

/// <summary>
/// The service's own start-up, ordered (<see cref="Startup"/>): on a cluster this node's membership first, then the
/// task queue, the job kinds and the thunk system (and, without a cluster, the flows after the queue), each answering once it
/// has recovered from its journal.
/// <c>/health/ready</c> is Unhealthy until it is done; a part that does not come up within
/// <c>Service:StartupTimeoutSeconds</c> (120) stops the service with exit code 1, naming it.
/// </summary>
internal sealed class ServiceStartup(IServiceProvider services, IConfiguration configuration, IHostApplicationLifetime lifetime, ILogger<ServiceStartup> log)
    : BackgroundService
{
    private static readonly TimeSpan AskPatience = TimeSpan.FromSeconds(2);
    private volatile string _state = "starting up";
    private volatile bool _done;

    /// <summary>Whether every part has come up.</summary>
    public bool Done => _done;

    /// <summary>What start-up is doing, or why it failed.</summary>
    public string State => _state;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // Resolved here, not in the constructor: the actor system exists once its own hosted service has started.
        var system = services.GetRequiredService<ActorSystem>();
        var queue = services.GetRequiredService<ITaskQueue>();
        var jobs = services.GetRequiredService<IJobManagers>();
        var thunks = services.GetRequiredService<IThunkProcessor>();
        var timeout = TimeSpan.FromSeconds(configuration.GetValue("Service:StartupTimeoutSeconds", 120));
        var clustered = ClusterSettings.From(configuration).Enabled;
        string[] afterMembership = clustered ? ["cluster-membership"] : [];
        var components = new List<StartupComponent>
        {
            new("task-queue", token => UntilAsync(async ask => (await queue.GetStatusAsync(ask)).AcceptsSubmits, token), afterMembership, Priority: 1, Timeout: timeout),
            new("jobs", token => UntilAsync(async ask => await jobs.Get<CounterState, CounterAction>(CounterJob.Kind).GetRunningJobKeysAsync(ask) is not null, token),
                afterMembership, Timeout: timeout),
            new("thunks", token => UntilAsync(async ask => await thunks.GetSummaryAsync(ask) is not null, token), afterMembership, Timeout: timeout),
        };
        if (!clustered)
        {
            // Flows resubmit their nodes once the queue is back, so they come up after it.
            var flows = services.GetRequiredService<IFlowRunner>();
            components.Add(new StartupComponent("flows", token => UntilAsync(async ask => await flows.ListAsync(1, ask) is not null, token), ["task-queue"], Timeout: timeout));
        }

        if (clustered)
        {
            components.Add(new StartupComponent("cluster-membership",
                token => UntilAsync(_ => Task.FromResult(Akka.Cluster.Cluster.Get(system).SelfMember.Status == Akka.Cluster.MemberStatus.Up), token), Timeout: timeout));
        }

        try
        {
            _state = $"waiting for {string.Join(", ", components.Select(c => c.Name))}";
            var report = await Startup.RunAsync(system, components, new StartupOptions(Concurrency: 4), stoppingToken);
            log.LogInformation("Start-up done in {Milliseconds} ms: {Components}", (long)report.Duration.TotalMilliseconds,
                string.Join(", ", report.Components.Select(c => $"{c.Name} {(long)c.Duration.TotalMilliseconds} ms")));
            _state = "started";
            _done = true;
        }
        catch (StartupFailedException failed)
        {
            _state = failed.Message;
            log.LogCritical("{Failure}; the service stops", failed.Message);
            Environment.ExitCode = 1;
            lifetime.StopApplication();
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopped while starting.
        }
    }

    /// <summary>Asks until <paramref name="ready"/> says yes (each ask may take 2 s; one that times out is asked again).</summary>
    private static async Task UntilAsync(Func<CancellationToken, Task<bool>> ready, CancellationToken token)
    {
        while (true)
        {
            try
            {
                using var ask = CancellationTokenSource.CreateLinkedTokenSource(token);
                ask.CancelAfter(AskPatience);
                if (await ready(ask.Token))
                {
                    return;
                }
            }
            catch (Exception e) when (e is AskTimeoutException or OperationCanceledException && !token.IsCancellationRequested)
            {
                // Still recovering (or moving to this node): ask again.
            }

            await Task.Delay(TimeSpan.FromMilliseconds(100), token);
        }
    }
}
