using System.Diagnostics;
using System.Runtime.InteropServices;

namespace Actors.Benchmarks;

/// <summary>
/// A load at a fixed rate, from a thread of its own that sleeps until each operation is due: it never spins, which on a
/// 2-core machine would take one of the two cores from the system it measures (perf showed the queue's thread waiting for
/// the tiered JIT's thread or a kernel thread on the one core a spinning sender left it, for 1–2.5 ms at a time).
/// </summary>
internal static partial class Pacing
{
    /// <summary>
    /// Calls <paramref name="send"/> with each index from 0 to <paramref name="count"/> − 1 and its due time (a
    /// <see cref="Stopwatch"/> timestamp), <paramref name="perSecond"/> a second from now; completes once all are sent.
    /// A sender that wakes late sends what has come due at once. <paramref name="precise"/>: sleeps to the microsecond
    /// (see <see cref="PreciseSleep"/>), else in whole milliseconds with <see cref="Thread.Sleep(int)"/>, which wakes 0.1–1.1 ms
    /// late here.
    /// </summary>
    public static Task RunAsync(int count, double perSecond, Action<int, long> send, bool precise = true)
    {
        var sent = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var sender = new Thread(() =>
        {
            try
            {
                if (precise)
                {
                    PreciseSleep.Prepare();
                }

                var start = Stopwatch.GetTimestamp();
                long Due(int i) => start + (long)(i * (Stopwatch.Frequency / perSecond));
                for (var i = 0; i < count;)
                {
                    SleepUntil(Due(i), precise);
                    for (var now = Stopwatch.GetTimestamp(); i < count && Due(i) <= now; i++)
                    {
                        send(i, Due(i));
                    }
                }

                sent.SetResult();
            }
            catch (Exception e)
            {
                sent.SetException(e);
            }
        }) { IsBackground = true, Name = "paced sender" };
        sender.Start();
        return sent.Task;
    }

    private static void SleepUntil(long due, bool precise)
    {
        var wait = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), due);
        if (wait <= TimeSpan.Zero)
        {
            return;
        }

        if (precise && OperatingSystem.IsLinux())
        {
            PreciseSleep.For(wait);
        }
        else
        {
            Thread.Sleep(Math.Max(1, (int)wait.TotalMilliseconds));
        }
    }

    /// <summary>
    /// Sleeps to the microsecond, on Linux: <c>nanosleep</c> with a timer slack of 1 ns (the default 50 µs slack, and
    /// <see cref="Thread.Sleep(int)"/>'s whole milliseconds, are coarser than the 20 µs between operations at 50,000 a second).
    /// Elsewhere the sender sleeps in milliseconds and sends what has come due in bursts.
    /// </summary>
    private static partial class PreciseSleep
    {
        private const int SetTimerSlack = 29; // PR_SET_TIMERSLACK

        public static void Prepare()
        {
            if (OperatingSystem.IsLinux())
            {
                _ = Prctl(SetTimerSlack, 1, 0, 0, 0);
            }
        }

        public static void For(TimeSpan wait)
        {
            var request = new TimeSpec { Seconds = (long)wait.TotalSeconds, Nanoseconds = (long)(wait.Ticks % TimeSpan.TicksPerSecond * 100) };
            _ = NanoSleep(in request, IntPtr.Zero);
        }

        [StructLayout(LayoutKind.Sequential)]
        private struct TimeSpec
        {
            public long Seconds;
            public long Nanoseconds;
        }

        [LibraryImport("libc", EntryPoint = "prctl")]
        private static partial int Prctl(int option, ulong value, ulong unused1, ulong unused2, ulong unused3);

        [LibraryImport("libc", EntryPoint = "nanosleep")]
        private static partial int NanoSleep(in TimeSpec request, IntPtr remaining);
    }
}
