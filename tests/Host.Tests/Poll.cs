namespace Host.Tests;

/// <summary>
/// Waits for observable state over HTTP: repeats a read until its value satisfies a condition (at most 10 s
/// unless told), at once or every <c>interval</c> (for reads that cost the server, like AwaitAssert's interval).
/// </summary>
internal static class Poll
{
    public static async Task<T> UntilAsync<T>(Func<Task<T>> read, Func<T, bool> done, TimeSpan? patience = null, TimeSpan? interval = null)
    {
        var deadline = DateTime.UtcNow + (patience ?? TimeSpan.FromSeconds(10));
        while (true)
        {
            var value = await read();
            if (done(value) || DateTime.UtcNow > deadline)
            {
                return value;
            }

            if (interval is { } pause)
            {
                await Task.Delay(pause);
            }
            else
            {
                await Task.Yield();
            }
        }
    }
}
