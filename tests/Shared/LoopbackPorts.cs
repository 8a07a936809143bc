using System.Net;
using System.Net.Sockets;

namespace Actors.TestSupport;

/// <summary>
/// Loopback ports for the servers the tests start (the service, cluster nodes, PostgreSQL), taken from below the kernel's
/// ephemeral range. A port the kernel hands out for port 0 is in that range, so any outgoing connection (to PostgreSQL,
/// between nodes) may take it before the server binds it: a cluster node once failed to start with "Address already in
/// use". Below the range only a server asking for that very port can take it; each test process starts at a random place.
/// </summary>
internal static class LoopbackPorts
{
    private const int Lowest = 10_000;

    private static int s_next = Random.Shared.Next(1 << 20);

    /// <summary>A loopback port no one listens on now.</summary>
    public static int Free()
    {
        var span = EphemeralStart() - Lowest;
        for (var tries = 0; tries < span; tries++)
        {
            var port = Lowest + (int)((uint)Interlocked.Increment(ref s_next) % (uint)span);
            try
            {
                using var listener = new TcpListener(IPAddress.Loopback, port);
                listener.Start();
                return port;
            }
            catch (SocketException)
            {
                // Taken: the next one.
            }
        }

        throw new InvalidOperationException($"No free loopback port between {Lowest} and {Lowest + span}.");
    }

    /// <summary>Where the kernel's ephemeral ports start (Linux's default where it cannot be read).</summary>
    private static int EphemeralStart()
    {
        const string Range = "/proc/sys/net/ipv4/ip_local_port_range";
        return File.Exists(Range) && int.TryParse(File.ReadAllText(Range).Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries)[0], out var start)
            && start > Lowest + 1_000 ? start : 32_768;
    }
}
