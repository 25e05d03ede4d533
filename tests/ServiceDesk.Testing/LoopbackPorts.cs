using System.Net;
using System.Net.Sockets;

namespace ServiceDesk.Testing;

public static class LoopbackPorts
{
    /// <summary>A port on 127.0.0.1 that nothing listens on right now: connecting to it is refused.</summary>
    public static int Unused()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
