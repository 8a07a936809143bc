using System.Diagnostics;
using Npgsql;
using Xunit;

namespace Actors.TestSupport;

/// <summary>
/// A real PostgreSQL 15 server for the tests, started from the machine's binaries
/// (<c>/usr/lib/postgresql/15/bin</c>) as user <c>postgres</c>, in a temporary folder, on a loopback port.
/// Each test gets a database of its own. On a machine without the binaries it installs Debian's
/// <c>postgresql-15</c> package first (as root, once, whichever test project gets there first), so that
/// <c>dotnet test</c> needs nothing installed beforehand.
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
        await EnsureInstalledAsync();

        Directory.CreateDirectory(_data);
        await RunAsync("chown", "postgres", _data);
        _port = LoopbackPorts.Free();
        await RunAsPostgresAsync($"{Binaries}/initdb -D {_data} -U postgres --auth=trust --no-sync -E UTF8");
        await RunAsPostgresAsync($"{Binaries}/pg_ctl -D {_data} -w -t 60 -o \"-p {_port} -k {_data} -c listen_addresses=127.0.0.1 -c fsync=on\" -l {_data}/server.log start");
    }

    public async Task DisposeAsync()
    {
        await RunAsPostgresAsync($"{Binaries}/pg_ctl -D {_data} -m immediate -w stop");
        Directory.Delete(_data, recursive: true);
    }

    /// <summary>Installs PostgreSQL 15 when its binaries are missing; test projects run at once, so a file lock makes one install it.</summary>
    private static async Task EnsureInstalledAsync()
    {
        if (File.Exists(Path.Combine(Binaries, "pg_ctl")))
        {
            return;
        }

        await using var installing = await LockAsync(Path.Combine(Path.GetTempPath(), "actors-postgresql-install.lock"));
        if (File.Exists(Path.Combine(Binaries, "pg_ctl")))
        {
            return;
        }

        if (Environment.UserName != "root" || !File.Exists("/usr/bin/apt-get"))
        {
            throw new InvalidOperationException($"PostgreSQL 15 is not installed at {Binaries}, and only root on Debian can install it here: run apt-get install postgresql-15.");
        }

        await RunAsync("sh", "-c", "apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql-15");
    }

    private static async Task<FileStream> LockAsync(string path)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(10);
        while (true)
        {
            try
            {
                return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, 1, FileOptions.DeleteOnClose);
            }
            catch (IOException) when (DateTime.UtcNow < deadline)
            {
                // Another test project is installing: wait for it to let go.
                await Task.Delay(TimeSpan.FromSeconds(1));
            }
        }
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

}
