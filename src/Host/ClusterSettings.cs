using Actors.Durability;
using Akka.Cluster.Hosting;
using Akka.Cluster.Hosting.SBR;
using Akka.Hosting;
using Akka.Remote.Hosting;

namespace Actors.Host;

/// <summary>
/// The <c>Cluster</c> section: <c>Enabled</c> (off by default: one process), <c>Hostname</c> and <c>Port</c>
/// (where this node's Akka.Remote listens; loopback and 4053 by default), <c>SeedNodes</c> (addresses such as
/// <c>akka.tcp://actors@127.0.0.1:4053</c>), <c>Roles</c>.
/// </summary>
public sealed class ClusterSettings
{
    /// <summary>The configuration section.</summary>
    public const string Section = "Cluster";

    /// <summary>Whether this process joins a cluster.</summary>
    public bool Enabled { get; set; }

    /// <summary>The address Akka.Remote binds and other nodes reach this one at.</summary>
    public string Hostname { get; set; } = "127.0.0.1";

    /// <summary>Akka.Remote's port.</summary>
    public int Port { get; set; } = 4053;

    /// <summary>The nodes a new node contacts to join (the first one listed forms the cluster).</summary>
    public string[] SeedNodes { get; set; } = [];

    /// <summary>This node's roles.</summary>
    public string[] Roles { get; set; } = [];

    /// <summary>How long membership must be stable before the split-brain resolver downs unreachable nodes (and, again, before their singletons move).</summary>
    public int StableAfterSeconds { get; set; } = 5;

    /// <summary>Reads the section.</summary>
    public static ClusterSettings From(IConfiguration configuration) => configuration.GetSection(Section).Get<ClusterSettings>() ?? new ClusterSettings();

    /// <summary>
    /// The cluster needs a journal every node reaches: SQLite is one file on one machine, so cluster mode
    /// with it is refused, saying what to set.
    /// </summary>
    /// <exception cref="InvalidOperationException">Cluster mode on a SQLite journal, or without seed nodes.</exception>
    public void CheckWith(DurabilityOptions durability)
    {
        if (!Enabled)
        {
            return;
        }

        if (durability.Provider == DurabilityProvider.Sqlite)
        {
            throw new InvalidOperationException(
                "Cluster:Enabled needs a journal every node shares: set Durability:Provider=postgresql and Durability:ConnectionString (SQLite is a file on one machine), or Durability:Provider=none to keep tasks in memory.");
        }

        if (SeedNodes.Length == 0)
        {
            throw new InvalidOperationException($"Cluster:Enabled needs Cluster:SeedNodes, for example akka.tcp://actors@{Hostname}:{Port} on the first node and on every other.");
        }
    }

    private const int MaxFrameBytes = 8 * 1024 * 1024;

    /// <summary>Remoting and clustering for this node, with the keep-majority split-brain resolver (docs/cluster.md has its timings).</summary>
    public void Apply(AkkaConfigurationBuilder akka)
    {
        // A task list (up to 10,000 records) crosses from the queue's node as one message: frames and buffers hold 8 MiB (Akka's default frame is 128 kB).
        akka.WithRemoting(new RemoteOptions { HostName = Hostname, Port = Port, MaxFrameSize = MaxFrameBytes, SendBufferSize = MaxFrameBytes, ReceiveBufferSize = MaxFrameBytes })
            .WithClustering(new ClusterOptions { SeedNodes = SeedNodes, Roles = Roles, SplitBrainResolver = new KeepMajorityOption() })
            // The queue singleton is the journal's one writer; the per-process file or advisory lock would refuse the other nodes.
            // A dead node is downed once membership has been stable for StableAfterSeconds (Akka's default is 20 s). The new
            // singleton starts after a removal margin of 1 s (Akka's default with the resolver: StableAfterSeconds again): the
            // margin need not cover a minority side stopping its copy, because the queue fences its journal (an advisory lock
            // per singleton) and a successor waits for it. So the queue moves about 12 s after a kill with the default of 5 s.
            .AddHocon($"actors.durability.single-writer = off\nakka.cluster.split-brain-resolver.stable-after = {StableAfterSeconds}s\nakka.cluster.down-removal-margin = 1s" +
                // Proxies look for a moved singleton every 250 ms rather than every second.
                "\nakka.cluster.singleton-proxy.singleton-identification-interval = 250ms" +
                // Remoting batches writes until 30 are pending or 40 ms have passed: at a few hundred messages a second that is
                // tens of milliseconds on each of a task's hops. 2 ms keeps most of the batching at load without the wait.
                "\nakka.remote.dot-netty.tcp.batching.flush-interval = 2ms" +
                // A node is unreachable after 2 s without heartbeats (Akka's 3 s): the resolver still downs it only if it stays
                // unreachable for StableAfterSeconds, so a pause longer than 2 s (a GC, a busy machine) costs a flag, not a node.
                "\nakka.cluster.failure-detector.acceptable-heartbeat-pause = 2s",
                HoconAddMode.Prepend);
    }
}
