namespace Actors.Tasks;

/// <summary>
/// A task type's start rate: at most <paramref name="PerSecond"/> attempts start per second (up to <paramref name="Burst"/>
/// at once after a quiet spell); tasks beyond it wait in the queue, in their order, rather than fail. With
/// <paramref name="Cooldown"/>, a type that used its whole allowance <paramref name="BurstsBeforeCooldown"/> seconds in a
/// row (bursts at the limit) starts nothing for the cooldown, then goes on: for an upstream that needs to recover.
/// </summary>
/// <param name="PerSecond">Attempts that may start per second: at least 1.</param>
/// <param name="Burst">How many may start at once after a quiet spell; null for <paramref name="PerSecond"/>.</param>
/// <param name="Cooldown">How long to start nothing after the bursts; null for none.</param>
/// <param name="BurstsBeforeCooldown">How many seconds at the limit in a row bring on the cooldown: at least 1.</param>
public sealed record TaskRateLimit(int PerSecond, int? Burst = null, TimeSpan? Cooldown = null, int BurstsBeforeCooldown = 3)
{
    /// <summary>The period of the limit: one second.</summary>
    internal static readonly TimeSpan Period = TimeSpan.FromSeconds(1);

    /// <summary>This limit, or an exception naming what is out of range.</summary>
    internal TaskRateLimit Validated()
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(PerSecond, 1, nameof(PerSecond));
        ArgumentOutOfRangeException.ThrowIfLessThan(Burst ?? PerSecond, 1, nameof(Burst));
        ArgumentOutOfRangeException.ThrowIfLessThan(BurstsBeforeCooldown, 1, nameof(BurstsBeforeCooldown));
        ArgumentOutOfRangeException.ThrowIfLessThan(Cooldown ?? TimeSpan.Zero, TimeSpan.Zero, nameof(Cooldown));
        return this;
    }
}

/// <summary>
/// The queue's gate for one rate-limited type: a token bucket that the queue refills from its own timer once a period,
/// plus the burst cooldown's count of periods. Used by the queue actor only, so it needs no lock.
/// </summary>
/// <remarks>
/// Not System.Threading.RateLimiting's <c>TokenBucketRateLimiter</c>: even refilled by hand, it adds tokens for the time
/// that passed on the machine's clock, so the limit would not follow the actor system's scheduler (virtual time in tests,
/// where a second passes when the test says so). The bucket itself is a counter.
/// </remarks>
internal sealed class TaskRateGate(TaskRateLimit limit)
{
    private readonly int _capacity = limit.Burst ?? limit.PerSecond;
    private int _tokens = limit.Burst ?? limit.PerSecond;

    private readonly int _cooldownPeriods = limit.Cooldown is { } cooldown ? (int)Math.Ceiling(cooldown / TaskRateLimit.Period) : 0;
    private bool _heldBackThisPeriod;
    private int _burstsInARow;
    private int _coolingFor;

    /// <summary>The permits left this period.</summary>
    public int Permits => _tokens;

    /// <summary>Whether the type is cooling down after bursts at its limit.</summary>
    public bool CoolingDown => _coolingFor > 0;

    /// <summary>Takes a permit for one attempt; false (noting a burst at the limit) when there is none.</summary>
    public bool TryTake()
    {
        if (_coolingFor == 0 && _tokens > 0)
        {
            _tokens--;
            return true;
        }

        _heldBackThisPeriod |= _coolingFor == 0;
        return false;
    }

    /// <summary>A period has passed: count the bursts, start or run down a cooldown, and add the period's permits.</summary>
    public void OnPeriod()
    {
        if (_coolingFor > 0)
        {
            _coolingFor--;
        }
        else if (_heldBackThisPeriod && _cooldownPeriods > 0 && ++_burstsInARow >= limit.BurstsBeforeCooldown)
        {
            _burstsInARow = 0;
            _coolingFor = _cooldownPeriods;
        }
        else if (!_heldBackThisPeriod)
        {
            _burstsInARow = 0;
        }

        _heldBackThisPeriod = false;
        _tokens = Math.Min(_capacity, _tokens + limit.PerSecond);
    }
}
