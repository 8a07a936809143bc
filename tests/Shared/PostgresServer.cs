using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Npgsql;

namespace Actors.TestSupport;

/// <summary>
/// A real PostgreSQL 15 server for the tests, started from the machine's binaries
/// (<c>/usr/lib/postgresql/15/bin</c>) as user <c>postgres</c>, in a temporary folder, on a loopback port.
/// Each test gets a database of its own.
/// </summary>
public sealed class PostgresServer : IAsyncLifetime
{
    private const string Binaries = "/usr/lib/postgresql/15/bin";
    private readonly string _data = Path.Combine(Path.GetTempPath(), $"actors-pg-{Guid.NewGuid():N}");
    private int _port;

    /// <summary>A connection string to a new, empty database.</summary>
    public async Task<string> NewDatabaseAsync()
    {
        var name = $"actors_{Guid.NewGuid():N}";
        await using var connection = new NpgsqlConnection(ConnectionString("postgres"));
        await connection.OpenAsync();
        await using var create = new NpgsqlCommand($"CREATE DATABASE {name}", connection);
        await create.ExecuteNonQueryAsync();
        return ConnectionString(name);
    }

    public async Task InitializeAsync()
    {
        if (!File.Exists(Path.Combine(Binaries, "pg_ctl")))
        {
            throw new InvalidOperationException($"PostgreSQL 15 is not installed at {Binaries} (apt-get install postgresql-15).");
        }

        Directory.CreateDirectory(_data);
        await RunAsync("chown", "postgres", _data);
        _port = FreePort();
        await RunAsPostgresAsync($"{Binaries}/initdb -D {_data} -U postgres --auth=trust --no-sync -E UTF8");
        await RunAsPostgresAsync($"{Binaries}/pg_ctl -D {_data} -w -t 60 -o \"-p {_port} -k {_data} -c listen_addresses=127.0.0.1 -c fsync=on\" -l {_data}/server.log start");
    }

    public async Task DisposeAsync()
    {
        await RunAsPostgresAsync($"{Binaries}/pg_ctl -D {_data} -m immediate -w stop");
        Directory.Delete(_data, recursive: true);
    }

    private string ConnectionString(string database) => $"Host=127.0.0.1;Port={_port};Username=postgres;Database={database};Pooling=true";

    private static Task RunAsPostgresAsync(string command) => RunAsync("runuser", "-u", "postgres", "--", "sh", "-c", command);

    private static async Task RunAsync(string file, params string[] arguments)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{file} {string.Join(' ', arguments)} exited with {process.ExitCode}: {await output}{await error}");
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
