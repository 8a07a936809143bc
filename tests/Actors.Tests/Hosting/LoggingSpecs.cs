using System.Collections.Concurrent;
using Actors.Hosting;
using Akka.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Actors.Tests.Hosting;

public sealed class LoggingSpecs
{
    [Fact]
    public async Task Akka_log_events_should_reach_the_apps_ILoggerFactory_by_default()
    {
        var lines = new LinesProvider();
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders().AddProvider(lines);
        builder.Services.AddActors("logging-default", (akka, _) => akka.WithCompute());
        using var host = builder.Build();
        await host.StartAsync();

        await AwaitAsync(lines, written => written.Any(line => line.Message.Contains("akka://logging-default/user/compute] Compute pool started")));
        await host.StopAsync();
    }

    [Fact]
    public async Task An_apps_own_ConfigureLoggers_should_replace_the_default()
    {
        var lines = new LinesProvider();
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders().AddProvider(lines);
        builder.Services.AddActors("logging-own", (akka, _) => akka
            .ConfigureLoggers(loggers => loggers.ClearLoggers().AddDefaultLogger())
            .WithCompute());
        using var host = builder.Build();
        await host.StartAsync();
        var system = host.Services.GetRequiredService<Akka.Actor.ActorSystem>();

        Assert.DoesNotContain(system.Settings.Loggers, logger => logger.Contains("LoggerFactoryLogger", StringComparison.Ordinal));
        Assert.DoesNotContain(lines.Written, line => line.Message.Contains("Compute pool started"));
        await host.StopAsync();
    }

    private static async Task AwaitAsync(LinesProvider lines, Func<IEnumerable<(string Category, string Message)>, bool> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (!condition(lines.Written))
        {
            Assert.True(DateTime.UtcNow < deadline, "the log line did not arrive within 10 s: " + string.Join(" | ", lines.Written));
            await Task.Yield();
        }
    }

    /// <summary>An app's logging provider that keeps what it is given.</summary>
    private sealed class LinesProvider : ILoggerProvider
    {
        public ConcurrentQueue<(string Category, string Message)> Written { get; } = new();

        public ILogger CreateLogger(string categoryName) => new Lines(categoryName, Written);

        public void Dispose()
        {
        }

        private sealed class Lines(string category, ConcurrentQueue<(string Category, string Message)> written) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state)
                where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => true;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
                written.Enqueue((category, formatter(state, exception)));
        }
    }
}
