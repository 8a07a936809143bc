using Actors.Compute;
using Actors.Configuration;
using Akka.Configuration;
using Xunit.Abstractions;

namespace Actors.Tests.Compute;

/// <summary>A TestKit with a compute pool of <see cref="PoolSize"/> workers.</summary>
public abstract class ComputeSpec(ITestOutputHelper output, Config? config = null)
    : Akka.TestKit.Xunit2.TestKit((config ?? Config.Empty).WithFallback(ActorsConfig.Defaults), output: output)
{
    /// <summary>Long enough for anything a test waits on; a run that needs it has hung.</summary>
    protected static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    private IComputePool? _pool;

    /// <summary>More workers than this machine has cores, so a test can tell whether all of them run at once.</summary>
    protected virtual int PoolSize => 4;

    protected IComputePool Pool => _pool ??= ComputePool.Start(Sys, ComputeSettings.Create(Sys) with { PoolSize = PoolSize });

    /// <summary>Blocks a unit until its token fires (or <see cref="Patience"/> runs out); returns whether it fired.</summary>
    protected static bool WaitForCancellation(WorkContext context) => context.CancellationToken.WaitHandle.WaitOne(Patience);
}
