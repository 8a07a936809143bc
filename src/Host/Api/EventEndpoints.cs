using System.Text;
using System.Text.Json;
using Actors.Host.Events;
using Actors.Jobs;
using Actors.Tasks;
using Actors.Thunks;
using Akka.Actor;
using Microsoft.Extensions.Options;

namespace Actors.Host.Api;

/// <summary><c>GET /api/events</c>: task, job and thunk events as server-sent events.</summary>
internal static class EventEndpoints
{
    private static readonly TimeSpan Heartbeat = TimeSpan.FromSeconds(15);

    /// <summary>Most frames written between two flushes while more events wait: a burst goes out in few writes, none waits long.</summary>
    private const int FramesPerFlush = 64;

    public static void MapEventEndpoints(this RouteGroupBuilder api) =>
        api.MapGet("/events", StreamAsync).WithTags("Events")
            .WithSummary("Server-sent events: task.*, task-type.circuit, job.*, thunk.*, flow.*; filter with ?task=id, ?job=key, ?flow=id or ?types=task,job,thunk,flow; ?jobStates=all adds every running job's job.state. A client that falls behind is disconnected.")
            .Produces(StatusCodes.Status200OK, contentType: "text/event-stream").ProducesProblem(400);

    private static async Task StreamAsync(HttpContext context, string? task, string? job, string? flow, string? types, string? jobStates, ActorSystem system,
        ITaskQueue queue, JobWatchers watchers, IOptions<ServiceOptions> options, IHostApplicationLifetime lifetime, ILoggerFactory loggers)
    {
        var (filter, problem) = EventFilter.Parse(task, job, types, flow, jobStates);
        if (filter is null)
        {
            await Problems.BadRequest(problem!, jobStates is not (null or "all") ? "jobStates" : "types").ExecuteAsync(context);
            return;
        }

        var log = loggers.CreateLogger("Actors.Host.Events");
        var buffer = new EventBuffer(options.Value.EventClientBuffer);
        // Subscribed before the task's record is read and before the response starts, so the client misses
        // nothing published after the snapshot it gets.
        var feed = system.ActorOf(Props.Create(() => new EventFeedActor(buffer, filter)));
        foreach (var topic in EventFeedActor.Topics)
        {
            system.EventStream.Subscribe(feed, topic);
        }

        using var ending = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, lifetime.ApplicationStopping, buffer.Overflowed);
        try
        {
            var (watching, notFound) = await FollowAsync(filter, buffer, queue, watchers, ending.Token);
            if (notFound is not null)
            {
                await Problems.NotFound(notFound).ExecuteAsync(context);
                return;
            }

            context.Response.Headers.ContentType = "text/event-stream";
            context.Response.Headers.CacheControl = "no-cache";
            context.Response.Headers["X-Accel-Buffering"] = "no";
            await context.Response.WriteAsync(": subscribed\n\n", ending.Token);
            await context.Response.Body.FlushAsync(ending.Token);
            JobStateFollower? follower = null;
            if (filter.AllJobStates)
            {
                follower = new JobStateFollower(watchers, buffer, log, ending.Token);
                await follower.StartAsync();
            }

            await WriteAsync(context.Response, buffer, watching, filter.TaskId is not null, follower, ending.Token);
        }
        catch (OperationCanceledException) when (ending.IsCancellationRequested)
        {
            if (buffer.Overflowed.IsCancellationRequested)
            {
                log.LogWarning("Disconnected an event client that fell {Count} events behind", buffer.Count);
                context.Abort();
            }
        }
        finally
        {
            system.Stop(feed);
        }
    }

    /// <summary>
    /// For <c>?job=</c>: starts feeding the job's state changes, as a task that ends with the job. Otherwise a
    /// task that never ends (a <c>?task=</c> stream closes after the task's last event, having had its snapshot).
    /// Or, when there is no such task or job, what to answer 404 with.
    /// </summary>
    private static async Task<(Task Watching, string? NotFound)> FollowAsync(EventFilter filter, EventBuffer buffer, ITaskQueue queue, JobWatchers watchers,
        CancellationToken cancellationToken)
    {
        if (filter.TaskId is { } taskId)
        {
            if (await queue.GetAsync(taskId, cancellationToken) is not { } record)
            {
                return (Task.CompletedTask, $"There is no task '{taskId}' (finished tasks are kept for a while, then forgotten).");
            }

            buffer.Offer(new TaskSnapshot(record));
            return (Never(cancellationToken), null);
        }

        if (filter.JobKey is { } key)
        {
            return await watchers.FindAsync(key, cancellationToken) is { } watch
                ? (watch(buffer, cancellationToken), null)
                : (Task.CompletedTask, $"No job runs under the key '{key}'.");
        }

        return (Never(cancellationToken), null);
    }

    /// <summary>A task that ends only when the stream is cancelled (and then without throwing).</summary>
    private static Task Never(CancellationToken cancellationToken) => Task.Delay(Timeout.Infinite, cancellationToken).ContinueWith(_ => { }, TaskScheduler.Default);

    /// <summary>
    /// Writes events as they come, with a heartbeat, until the last one of a followed task, or a followed job's end. A frame
    /// is flushed at once when no other event waits; events that wait go out together, up to <see cref="FramesPerFlush"/> a
    /// flush (a flush per frame cost a socket write per event in a burst).
    /// </summary>
    private static async Task WriteAsync(HttpResponse response, EventBuffer buffer, Task watching, bool followsOneTask, JobStateFollower? follower,
        CancellationToken cancellationToken)
    {
        var writer = response.BodyWriter;
        var sequence = 0L;
        var unflushed = 0;
        while (!cancellationToken.IsCancellationRequested)
        {
            var next = await buffer.TakeAsync(watching.IsCompleted ? TimeSpan.Zero : Heartbeat, cancellationToken);
            if (next is null && watching.IsCompleted)
            {
                return;
            }

            if (next is JobStarted started && follower is not null)
            {
                _ = follower.FollowAsync(started.Key);
            }

            var frame = next is null ? ": keep-alive\n\n" : $"id: {++sequence}\nevent: {Name(next)}\ndata: {JsonSerializer.Serialize(next, next.GetType(), JsonBody.Options)}\n\n";
            Encoding.UTF8.GetBytes(frame, writer);
            var last = followsOneTask && next is TaskSnapshot { Record.IsTerminal: true } or TaskCompleted or TaskCancelled or TaskFailed { IsFinal: true };
            if (last || buffer.Count == 0 || ++unflushed >= FramesPerFlush)
            {
                await writer.FlushAsync(cancellationToken);
                unflushed = 0;
            }

            if (last)
            {
                return;
            }
        }
    }

    /// <summary>The SSE event name: <c>task.completed</c>, <c>thunk.registered</c>, ...</summary>
    private static string Name(object feedEvent) => feedEvent switch
    {
        TaskSnapshot => "task.snapshot",
        TaskEvent e => "task." + Strip(e.GetType().Name, "Task"),
        ThunkEvent e => "thunk." + Strip(e.GetType().Name, "Thunk"),
        JobStarted => "job.started",
        JobStopped => "job.stopped",
        JobStateEvent => "job.state",
        TaskCircuitChanged => "task-type.circuit",
        Actors.Orchestration.FlowEvent e => "flow." + Strip(e.GetType().Name, "Flow"),
        _ => "event",
    };

    /// <summary><c>RootThunkChanged</c> less <c>Thunk</c> is <c>root-changed</c>.</summary>
    private static string Strip(string name, string word) =>
        string.Concat(name.Replace(word, "", StringComparison.Ordinal).Select((c, i) => char.IsUpper(c) ? (i > 0 ? "-" : "") + char.ToLowerInvariant(c) : c.ToString()));
}

/// <summary>The first event of a stream for one task: its record at subscription time.</summary>
public sealed record TaskSnapshot(TaskRecord Record);
