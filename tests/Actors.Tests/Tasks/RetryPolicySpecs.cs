using Actors.Tasks;
using CsCheck;

namespace Actors.Tests.Tasks;

public sealed class RetryPolicySpecs
{
    [Fact]
    public void Waits_should_grow_by_the_multiplier_from_the_base_delay()
    {
        var policy = new RetryPolicy(5, TimeSpan.FromSeconds(1), 2, TimeSpan.FromMinutes(1), jitter: 0);

        var waits = Enumerable.Range(1, 4).Select(policy.NominalDelayAfter);

        Assert.Equal([1, 2, 4, 8], waits.Select(w => w.TotalSeconds));
        Assert.True(policy.AllowsAnotherAfter(4));
        Assert.False(policy.AllowsAnotherAfter(5));
    }

    [Fact]
    public void Waits_should_be_capped_at_the_max_delay()
    {
        var policy = new RetryPolicy(50, TimeSpan.FromSeconds(1), 3, TimeSpan.FromSeconds(20), jitter: 0);

        Assert.Equal(TimeSpan.FromSeconds(9), policy.NominalDelayAfter(3));
        Assert.Equal(TimeSpan.FromSeconds(20), policy.NominalDelayAfter(4));
        Assert.Equal(TimeSpan.FromSeconds(20), policy.NominalDelayAfter(49));
    }

    [Fact]
    public void Jittered_waits_should_stay_within_the_spread_of_the_nominal_wait() =>
        Gen.Select(Gen.Int[1, 20], Gen.Double[0, 1], Gen.Double[1, 4], Gen.Int[0, 10_000]).Sample((attempt, jitter, multiplier, seed) =>
        {
            var policy = new RetryPolicy(25, TimeSpan.FromMilliseconds(100), multiplier, TimeSpan.FromMinutes(5), jitter);
            var nominal = policy.NominalDelayAfter(attempt).Ticks;

            var wait = policy.DelayAfter(attempt, new Random(seed)).Ticks;

            return wait >= (long)(nominal * (1 - jitter)) - 1 && wait <= (long)(nominal * (1 + jitter)) + 1;
        });

    [Theory]
    [InlineData(0, 1, 2, 10, 0.1, "maxAttempts")]
    [InlineData(3, -1, 2, 10, 0.1, "baseDelay")]
    [InlineData(3, 1, 0.5, 10, 0.1, "multiplier")]
    [InlineData(3, 5, 2, 1, 0.1, "maxDelay")]
    [InlineData(3, 1, 2, 10, 1.5, "jitter")]
    public void A_policy_should_refuse_values_out_of_range_naming_the_argument(int attempts, int baseSeconds, double multiplier, int maxSeconds, double jitter, string argument)
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() =>
            new RetryPolicy(attempts, TimeSpan.FromSeconds(baseSeconds), multiplier, TimeSpan.FromSeconds(maxSeconds), jitter));

        Assert.Equal(argument, error.ParamName);
    }
}
