using Actors.Compute;
using Actors.Hosting;
using Akka.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Actors.Tests.Compute;

public sealed class ComputeHostingSpecs
{
    [Fact]
    public async Task WithCompute_should_register_the_pool_in_DI_and_its_coordinator_in_the_registry()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Services.AddActors("compute-hosted", (akka, _) => akka.WithCompute(options => options.PoolSize = 3));
        using var host = builder.Build();
        await host.StartAsync();

        var pool = host.Services.GetRequiredService<IComputePool>();
        var coordinator = await host.Services.GetRequiredService<IRequiredActor<IComputePool>>().GetAsync();
        var results = await pool.AllAsync(WorkUnit.CreateMany([1, 2, 3], static (int n) => -n));

        Assert.Equal(3, pool.PoolSize);
        Assert.Equal(pool.Coordinator, coordinator);
        Assert.Equal([-1, -2, -3], results);
        await host.StopAsync();
    }
}
