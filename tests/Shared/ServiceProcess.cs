using System.Diagnostics;
using System.Reflection;
using System.Runtime.InteropServices;
using System.Text;

namespace Actors.TestSupport;

/// <summary>The real service, started as its own process on a free loopback port.</summary>
internal sealed partial class ServiceProcess : IAsyncDisposable
{
    private const int Sigterm = 15;

    private readonly Process _process;
    private readonly StringBuilder _output = new();
    private readonly TaskCompletionSource _listening = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private ServiceProcess(Process process, Uri baseAddress)
    {
        _process = process;
        BaseAddress = baseAddress;
    }

    public Uri BaseAddress { get; }

    /// <summary>Everything the service has written to stdout and stderr so far.</summary>
    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    /// <summary>The warnings and errors the service has logged so far (its console format's <c>WRN</c> and <c>ERR</c> lines), for a failing test's message.</summary>
    public string Warnings => string.Join('\n', Output.Split('\n').Where(line => line.Contains(" WRN]", StringComparison.Ordinal) || line.Contains(" ERR]", StringComparison.Ordinal)));

    /// <summary>The process id (to read its memory from <c>/proc</c>).</summary>
    public int Id => _process.Id;

    /// <summary>Starts the service with <paramref name="environment"/> added to its environment (for example <c>Service__ShutdownGraceSeconds</c>).</summary>
    /// <param name="timeout">How long it may take to listen.</param>
    /// <param name="environment">Added to its environment.</param>
    /// <param name="bindAddress">The address it listens on; loopback by default.</param>
    /// <param name="workingDirectory">Where it runs (its data folder is <c>data</c> in it); a new temporary folder by default.</param>
    public static async Task<ServiceProcess> StartAsync(TimeSpan timeout, IReadOnlyDictionary<string, string>? environment = null, string bindAddress = "127.0.0.1",
        DirectoryInfo? workingDirectory = null)
    {
        var baseAddress = new Uri($"http://{bindAddress}:{FreePort()}");
        workingDirectory ??= Directory.CreateTempSubdirectory("actors-host-");
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = workingDirectory.FullName,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[name] = value;
        }

        start.ArgumentList.Add(HostAssemblyPath());
        start.ArgumentList.Add("--urls");
        start.ArgumentList.Add(baseAddress.ToString());
        start.ArgumentList.Add("--contentRoot");
        start.ArgumentList.Add(Path.GetDirectoryName(HostAssemblyPath())!);

        var service = new ServiceProcess(new Process { StartInfo = start, EnableRaisingEvents = true }, baseAddress);
        service._process.OutputDataReceived += (_, e) => service.Record(e.Data);
        service._process.ErrorDataReceived += (_, e) => service.Record(e.Data);
        service._process.Start();
        service._process.BeginOutputReadLine();
        service._process.BeginErrorReadLine();
        var exited = service._process.WaitForExitAsync();
        var first = await Task.WhenAny(service._listening.Task, exited).WaitAsync(timeout);
        if (first == exited)
        {
            throw new InvalidOperationException($"The service exited with {service._process.ExitCode} before listening:\n{service.Output}");
        }

        return service;
    }

    /// <summary>Sends SIGTERM, as a container runtime or systemd would, and waits for the exit code.</summary>
    public async Task<int> TerminateAsync(TimeSpan timeout)
    {
        if (Kill(_process.Id, Sigterm) != 0)
        {
            throw new InvalidOperationException($"kill({_process.Id}, SIGTERM) failed with errno {Marshal.GetLastPInvokeError()}.");
        }

        await _process.WaitForExitAsync().WaitAsync(timeout);
        return _process.ExitCode;
    }

    /// <summary>Waits for the process to exit by itself; its exit code.</summary>
    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        await _process.WaitForExitAsync().WaitAsync(timeout);
        return _process.ExitCode;
    }

    /// <summary>The process's resident memory (from <c>/proc</c>).</summary>
    public long ResidentBytes()
    {
        var line = File.ReadLines($"/proc/{Id}/status").First(l => l.StartsWith("VmRSS:", StringComparison.Ordinal));
        return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]) * 1024;
    }

    /// <summary>Kills the process at once (SIGKILL), as a crash or an OOM killer would.</summary>
    public async Task KillAsync()
    {
        _process.Kill();
        await _process.WaitForExitAsync();
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
    }

    private void Record(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            _output.AppendLine(line);
        }

        if (line.Contains("Now listening on", StringComparison.Ordinal))
        {
            _listening.TrySetResult();
        }
    }

    private static string HostAssemblyPath()
    {
        // tests/<project>/bin/<Configuration>/<tfm>/ -> src/Host/bin/<Configuration>/<tfm>/Actors.Host.dll
        var testDirectory = AppContext.BaseDirectory;
        var configuration = typeof(ServiceProcess).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()!.Configuration;
        var tfm = new DirectoryInfo(testDirectory).Name;
        var root = Path.GetFullPath(Path.Combine(testDirectory, "..", "..", "..", "..", ".."));
        var path = Path.Combine(root, "src", "Host", "bin", configuration, tfm, "Actors.Host.dll");
        return File.Exists(path) ? path : throw new FileNotFoundException($"The service was not built at {path}.", path);
    }

    public static int FreePort() => LoopbackPorts.Free();

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int signal);
}
