using System.Net;
using System.Net.Sockets;

namespace Actors.Host.BuiltIn;

/// <summary>
/// Keeps <c>http.fetch</c> off the service's own machine and internal networks: every connection (the first
/// request and every redirect) is made through <see cref="ConnectAsync"/>, which resolves the host and
/// refuses loopback, private, link-local, shared, multicast, reserved and unspecified addresses, then
/// connects to exactly the address it checked (no second lookup an attacker could answer differently).
/// </summary>
public sealed class NetworkGuard
{
    private readonly Func<IPAddress, bool> _allows;

    /// <summary>A guard that refuses internal addresses unless <paramref name="allowPrivateNetworks"/>.</summary>
    public NetworkGuard(bool allowPrivateNetworks) => _allows = allowPrivateNetworks ? _ => true : IsPublic;

    /// <summary>A guard with its own rule (tests: one loopback address allowed, another refused).</summary>
    internal NetworkGuard(Func<IPAddress, bool> allows) => _allows = allows;

    /// <summary>Whether <paramref name="address"/> may be reached.</summary>
    public bool Allows(IPAddress address) => _allows(address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address);

    /// <summary>A <see cref="SocketsHttpHandler.ConnectCallback"/> that connects only to allowed addresses.</summary>
    public async ValueTask<Stream> ConnectAsync(SocketsHttpConnectionContext context, CancellationToken cancellationToken)
    {
        var host = context.DnsEndPoint.Host;
        var addresses = IPAddress.TryParse(host.Trim('[', ']'), out var literal) ? [literal] : await Dns.GetHostAddressesAsync(host, cancellationToken).ConfigureAwait(false);
        if (addresses.Length == 0)
        {
            throw new BlockedDestinationException($"'{host}' resolves to no address.");
        }

        // One refused address refuses the name: a host that also resolves inward is not fetched at all.
        if (addresses.FirstOrDefault(a => !Allows(a)) is { } refused)
        {
            throw new BlockedDestinationException(
                $"'{host}' resolves to {refused}, a loopback, private, link-local or otherwise internal address; http.fetch does not reach those (Service:HttpFetch:AllowPrivateNetworks).");
        }

        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(addresses, context.DnsEndPoint.Port, cancellationToken).ConfigureAwait(false);
            return new NetworkStream(socket, ownsSocket: true);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>Whether an address is on the public internet (not loopback, private, link-local, shared, multicast, reserved or unspecified).</summary>
    public static bool IsPublic(IPAddress address)
    {
        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }

        if (address.AddressFamily == AddressFamily.InterNetwork)
        {
            var b = address.GetAddressBytes();
            return !(b[0] is 0 or 10 or 127 or >= 224                   // this network, private, loopback, multicast and reserved
                || (b[0] == 100 && b[1] is >= 64 and < 128)              // shared (carrier-grade NAT)
                || (b[0] == 169 && b[1] == 254)                          // link-local (cloud metadata)
                || (b[0] == 172 && b[1] is >= 16 and < 32)               // private
                || (b[0] == 192 && b[1] == 168)                          // private
                || (b[0] == 192 && b[1] == 0 && b[2] == 0)               // IETF protocol assignments
                || (b[0] == 198 && b[1] is 18 or 19));                   // benchmarking
        }

        var bytes = address.GetAddressBytes();
        return !(IPAddress.IsLoopback(address) || address.Equals(IPAddress.IPv6Any) || address.IsIPv6LinkLocal || address.IsIPv6SiteLocal
            || address.IsIPv6Multicast || address.IsIPv6UniqueLocal || (bytes[0] == 0x00 && bytes[1] == 0x64 && bytes[2] == 0xff && bytes[3] == 0x9b));
    }
}

/// <summary>A connection <see cref="NetworkGuard"/> refused.</summary>
public sealed class BlockedDestinationException(string message) : IOException(message);
