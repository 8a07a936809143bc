using System.Threading.Channels;
using Akka.Actor;

namespace Actors.TestKit;

/// <summary>
/// Events of one kind from the actor system's event stream, kept per key in arrival order: all of them
/// for reading, and a cursor for waiting on the next one.
/// </summary>
internal sealed class EventLog<TEvent> : IDisposable
    where TEvent : class
{
    private readonly ActorSystem _system;
    private readonly IActorRef _collector;
    private readonly Func<TEvent, string>? _keyOf;
    private readonly Dictionary<string, Entries> _byKey = new(StringComparer.Ordinal);
    private readonly Entries _all = new();

    /// <param name="system">The actor system whose event stream is read.</param>
    /// <param name="keyOf">Keys events for <see cref="Of"/> and <see cref="NextAsync"/>; null keeps them all together only.</param>
    public EventLog(ActorSystem system, Func<TEvent, string>? keyOf)
    {
        _system = system;
        _keyOf = keyOf;
        _collector = system.ActorOf(Props.Create(() => new Collector(this)));
        // Subscribing is synchronous: nothing published after this line is missed.
        system.EventStream.Subscribe(_collector, typeof(TEvent));
    }

    /// <summary>Every event so far, of every key.</summary>
    public IReadOnlyList<TEvent> All => _all.Seen;

    public IReadOnlyList<TEvent> Of(string key) => EntriesOf(key).Seen;

    /// <summary>The next event of <paramref name="key"/> not yet returned by this method; waits up to <paramref name="timeout"/> (real time).</summary>
    /// <exception cref="TimeoutException">None came in time.</exception>
    public Task<TEvent> NextAsync(string key, TimeSpan timeout, string what) => EntriesOf(key).NextAsync(timeout, $"{what} of {key}");

    /// <summary>The next event of any key not yet returned by this method.</summary>
    public Task<TEvent> NextOfAnyAsync(TimeSpan timeout, string what) => _all.NextAsync(timeout, what);

    public void Dispose()
    {
        _system.EventStream.Unsubscribe(_collector);
        _system.Stop(_collector);
    }

    private Entries EntriesOf(string key)
    {
        lock (_byKey)
        {
            if (!_byKey.TryGetValue(key, out var entries))
            {
                _byKey[key] = entries = new Entries();
            }

            return entries;
        }
    }

    private void Add(TEvent e)
    {
        if (_keyOf is not null)
        {
            EntriesOf(_keyOf(e)).Add(e);
        }

        _all.Add(e);
    }

    private sealed class Entries
    {
        private readonly List<TEvent> _seen = [];
        private readonly Channel<TEvent> _unread = Channel.CreateUnbounded<TEvent>(new UnboundedChannelOptions { SingleWriter = true });

        public IReadOnlyList<TEvent> Seen
        {
            get
            {
                lock (_seen)
                {
                    return [.. _seen];
                }
            }
        }

        public void Add(TEvent e)
        {
            lock (_seen)
            {
                _seen.Add(e);
            }

            _unread.Writer.TryWrite(e);
        }

        public async Task<TEvent> NextAsync(TimeSpan timeout, string what)
        {
            using var deadline = new CancellationTokenSource(timeout);
            try
            {
                return await _unread.Reader.ReadAsync(deadline.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (deadline.IsCancellationRequested)
            {
                throw new TimeoutException($"No further {what} within {timeout} (real time); seen so far: {string.Join(", ", Seen.Select(e => e.GetType().Name))}.");
            }
        }
    }

    private sealed class Collector : ReceiveActor
    {
        public Collector(EventLog<TEvent> log) => Receive<TEvent>(log.Add);
    }
}
