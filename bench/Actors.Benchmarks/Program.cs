using Actors.Benchmarks;
using BenchmarkDotNet.Running;

// dotnet run -c Release --project bench/Actors.Benchmarks -- --quick <suite>...   one line per figure, < 60 s
// dotnet run -c Release --project bench/Actors.Benchmarks -- [BenchmarkDotNet arguments]   the full suites
if (args.Length > 0 && args[0] == "--quick")
{
    return await QuickRunner.RunAsync(args.Skip(1).ToArray());
}

BenchmarkSwitcher.FromAssembly(typeof(QuickRunner).Assembly).Run(args);
return 0;
