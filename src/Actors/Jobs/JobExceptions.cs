namespace Actors.Jobs;

/// <summary>A job manager refused to start a job (see <see cref="JobRejected"/>).</summary>
public sealed class JobRejectedException : Exception
{
    /// <summary>Creates the exception from the manager's reply.</summary>
    public JobRejectedException(JobRejected rejected)
        : base(rejected?.Reason, rejected?.Error)
    {
        ArgumentNullException.ThrowIfNull(rejected);
        Key = rejected.Key;
    }

    /// <summary>The key of the job that was not started.</summary>
    public string Key { get; }
}

/// <summary>A job refused a dispatched action, or its handler threw.</summary>
public sealed class JobActionRejectedException : Exception
{
    /// <summary>Creates the exception.</summary>
    /// <param name="key">The key of the job.</param>
    /// <param name="message">Why the action was not handled.</param>
    public JobActionRejectedException(string key, string message)
        : base(message)
    {
        Key = key;
    }

    /// <summary>The key of the job.</summary>
    public string Key { get; }
}
