using Actors.Compute;
using Akka.Configuration;
using Xunit.Abstractions;

namespace Actors.Tests.Compute;

public sealed class StrictModeSpecs(ITestOutputHelper output) : ComputeSpec(output)
{
    private static readonly WorkRunOptions Strict = new() { Strict = true };

    [Fact]
    public void Strict_mode_should_refuse_a_lambda_that_captures_a_mutable_local_and_name_it()
    {
        var total = 0;
        var unit = WorkUnit.Create((int x) => total += x, 1);

        var error = Assert.Throws<ImpureWorkException>(() => { _ = Pool.AllAsync([unit], Strict); });

        Assert.Equal("the variable 'total' (Int32)", error.Capture);
        Assert.Contains("captures the variable 'total'", error.Message);
        Assert.Null(unit.Run);
    }

    [Fact]
    public async Task Strict_mode_should_accept_static_lambdas_and_static_method_groups()
    {
        var results = await Pool.AllAsync([WorkUnit.Create(static (int x) => x * 2, 2), WorkUnit.Create(Square, 3)], Strict);

        Assert.Equal([4, 9], results);
    }

    [Fact]
    public void Strict_mode_should_refuse_an_instance_method_whose_object_has_a_mutable_field()
    {
        var counter = new Counter();

        var error = Assert.Throws<ImpureWorkException>(() => { _ = Pool.AllAsync([WorkUnit.Create(counter.Add, 1)], Strict); });

        Assert.Contains("field '_count' is mutable", error.Capture);
    }

    [Fact]
    public async Task Strict_mode_should_accept_an_instance_method_of_an_immutable_object()
    {
        var scale = new Scale(10);

        Assert.Equal(new[] { 30 }, await Pool.AllAsync([WorkUnit.Create(scale.Apply, 3)], Strict));
    }

    [Fact]
    public void Strict_mode_should_refuse_a_readonly_array_reached_through_this()
    {
        var lookup = new Lookup([1, 2, 3]);

        var error = Assert.Throws<ImpureWorkException>(() => { _ = Pool.AllAsync([WorkUnit.Create(lookup.At, 1)], Strict); });

        Assert.Contains("an array", error.Capture);
    }

    [Fact]
    public async Task Without_strict_mode_a_capturing_lambda_should_run()
    {
        var offset = 5;

        Assert.Equal(new[] { 6 }, await Pool.AllAsync([WorkUnit.Create((int x) => x + offset, 1)]));
    }

    private static int Square(int x) => x * x;

    private sealed class Counter
    {
        private int _count;

        public int Add(int x) => _count += x;
    }

    private sealed record Scale(int Factor)
    {
        public int Apply(int x) => x * Factor;
    }

    private sealed class Lookup(int[] values)
    {
        private readonly int[] _values = values;

        public int At(int i) => _values[i];
    }
}

public sealed class GlobalStrictModeSpecs(ITestOutputHelper output) : ComputeSpec(output, ConfigurationFactory.ParseString("actors.compute.strict = on"))
{
    [Fact]
    public async Task Strict_mode_set_in_the_configuration_should_apply_to_every_run_unless_a_run_opts_out()
    {
        var seen = 0;
        var capturing = () => WorkUnit.Create((int x) => seen = x, 1);

        Assert.Throws<ImpureWorkException>(() => { _ = Pool.AllAsync([capturing()]); });
        Assert.Equal(new[] { 1 }, await Pool.AllAsync([capturing()], new WorkRunOptions { Strict = false }));
    }
}
