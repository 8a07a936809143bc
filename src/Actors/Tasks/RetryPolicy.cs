namespace Actors.Tasks;

/// <summary>
/// How a task is retried after a retryable failure: attempt <c>n</c> (1-based) that fails is followed,
/// if <see cref="MaxAttempts"/> allows, by a wait of <c>BaseDelay × Multiplier^(n−1)</c>, capped at
/// <see cref="MaxDelay"/>, then spread by ±<see cref="Jitter"/> (a fraction) so that retries of many
/// tasks do not arrive together. Immutable; <c>With*</c> methods return validated copies.
/// </summary>
public sealed record RetryPolicy
{
    /// <summary>No retries: one attempt.</summary>
    public static readonly RetryPolicy None = new(1, TimeSpan.Zero, 1, TimeSpan.Zero, 0);

    /// <summary>The library default: 3 attempts, 1 s doubling to at most 30 s, ±10 %.</summary>
    public static readonly RetryPolicy Default = new(3, TimeSpan.FromSeconds(1), 2, TimeSpan.FromSeconds(30), 0.1);

    /// <summary>Creates a policy; every argument is validated.</summary>
    /// <param name="maxAttempts">Attempts in all, the first included: at least 1.</param>
    /// <param name="baseDelay">The wait after the first failed attempt: not negative.</param>
    /// <param name="multiplier">How much each further wait grows: at least 1.</param>
    /// <param name="maxDelay">The longest wait: not less than <paramref name="baseDelay"/>.</param>
    /// <param name="jitter">The spread, a fraction from 0 to 1 (0.1 = ±10 %).</param>
    /// <exception cref="ArgumentOutOfRangeException">An argument is out of its range.</exception>
    public RetryPolicy(int maxAttempts, TimeSpan baseDelay, double multiplier, TimeSpan maxDelay, double jitter)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxAttempts, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(baseDelay, TimeSpan.Zero);
        if (!(multiplier >= 1) || double.IsInfinity(multiplier))
        {
            throw new ArgumentOutOfRangeException(nameof(multiplier), multiplier, "The multiplier must be a finite number of at least 1.");
        }

        if (maxDelay < baseDelay)
        {
            throw new ArgumentOutOfRangeException(nameof(maxDelay), maxDelay, $"The longest wait must not be shorter than the base delay ({baseDelay}).");
        }

        if (!(jitter is >= 0 and <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(jitter), jitter, "Jitter is a fraction from 0 to 1.");
        }

        (MaxAttempts, BaseDelay, Multiplier, MaxDelay, Jitter) = (maxAttempts, baseDelay, multiplier, maxDelay, jitter);
    }

    /// <summary>Attempts in all, the first included.</summary>
    public int MaxAttempts { get; }

    /// <summary>The wait after the first failed attempt.</summary>
    public TimeSpan BaseDelay { get; }

    /// <summary>How much each further wait grows.</summary>
    public double Multiplier { get; }

    /// <summary>The longest wait, before jitter.</summary>
    public TimeSpan MaxDelay { get; }

    /// <summary>The spread of each wait, a fraction from 0 to 1.</summary>
    public double Jitter { get; }

    /// <summary>A copy with another number of attempts.</summary>
    public RetryPolicy WithMaxAttempts(int maxAttempts) => new(maxAttempts, BaseDelay, Multiplier, MaxDelay, Jitter);

    /// <summary>A copy with other delays.</summary>
    public RetryPolicy WithBackoff(TimeSpan baseDelay, double multiplier, TimeSpan maxDelay) => new(MaxAttempts, baseDelay, multiplier, maxDelay, Jitter);

    /// <summary>A copy with another spread.</summary>
    public RetryPolicy WithJitter(double jitter) => new(MaxAttempts, BaseDelay, Multiplier, MaxDelay, jitter);

    /// <summary>Whether another attempt may follow the failed attempt <paramref name="failedAttempt"/>.</summary>
    public bool AllowsAnotherAfter(int failedAttempt) => failedAttempt < MaxAttempts;

    /// <summary>The wait before the attempt after <paramref name="failedAttempt"/> (1-based), before jitter.</summary>
    public TimeSpan NominalDelayAfter(int failedAttempt)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(failedAttempt, 1);
        var ticks = BaseDelay.Ticks * Math.Pow(Multiplier, failedAttempt - 1);
        return ticks >= MaxDelay.Ticks ? MaxDelay : TimeSpan.FromTicks((long)ticks);
    }

    /// <summary>The wait before the attempt after <paramref name="failedAttempt"/>, jittered with <paramref name="random"/>.</summary>
    public TimeSpan DelayAfter(int failedAttempt, Random random)
    {
        ArgumentNullException.ThrowIfNull(random);
        var nominal = NominalDelayAfter(failedAttempt);
        var spread = 1 + (Jitter * ((2 * random.NextDouble()) - 1));
        return TimeSpan.FromTicks((long)(nominal.Ticks * spread));
    }
}
