using Actors.Configuration;
using Akka.Configuration;

namespace Actors.TestKit;

/// <summary>Configurations for a TestKit actor system that runs code built on Actors.</summary>
public static class ActorsTestConfig
{
    private const string TestScheduler = "akka.scheduler.implementation = \"Akka.TestKit.TestScheduler, Akka.TestKit\"";

    /// <summary>
    /// The library's defaults with a virtual clock (Akka.TestKit's <c>TestScheduler</c>): retries, backoffs,
    /// time-to-live, task and thunk timeouts wait until the test advances time. Pass it to the TestKit's constructor.
    /// </summary>
    public static Config VirtualTime { get; } = ConfigurationFactory.ParseString(TestScheduler).WithFallback(ActorsConfig.Defaults);

    /// <summary>The library's defaults with the real clock.</summary>
    public static Config RealTime => ActorsConfig.Defaults;

    /// <summary><see cref="VirtualTime"/> with <paramref name="hocon"/> on top (for example <c>actors.tasks.global-concurrency = 1</c>).</summary>
    public static Config VirtualTimeWith(string hocon) => ConfigurationFactory.ParseString(hocon).WithFallback(VirtualTime);
}
