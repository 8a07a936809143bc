using Actors.Jobs;
using Akka.Actor;

namespace Actors.Host.Api;

/// <summary><c>/api/jobs</c>: run, list, read, dispatch to and stop the jobs of the kinds the service registers.</summary>
internal static class JobEndpoints
{
    /// <summary>
    /// Maps the endpoints of one job kind, whose jobs start from the initial state that <paramref name="initialState"/> makes of a
    /// start body of <typeparamref name="TStart"/> (the kind's create function builds the job, on whichever node runs it).
    /// Starts and actions are checked before a job sees them (<paramref name="startProblem"/>, <paramref name="actionProblem"/> against
    /// the job's current state): a job never dies of a request it could not apply.
    /// </summary>
    public static void MapJobKind<TState, TAction, TStart>(this RouteGroupBuilder api, string kind, TStart defaultStart, Func<TStart, TState> initialState,
        Func<TStart, string?> startProblem, Func<TAction, TState, string?> actionProblem)
    {
        ((IEndpointRouteBuilder)api).ServiceProvider.GetRequiredService<Events.JobWatchers>().Add<TState, TAction>(kind);
        var jobs = api.MapGroup($"/jobs/{kind}").WithTags("Jobs").AddEndpointFilter(AnswerUnavailableOnTimeout);
        jobs.MapGet("/", async (IJobManagers managers, CancellationToken ct) => Results.Ok(await managers.Get<TState, TAction>(kind).GetRunningJobKeysAsync(ct)))
            .WithSummary($"The keys of the running {kind} jobs").Produces<string[]>();
        jobs.MapPost("/{key}", async (string key, HttpRequest request, IJobManagers managers, JsonBody reader, CancellationToken ct) =>
        {
            var (start, problem) = await reader.ReadAsync<TStart>(request, "body", ct);
            if (problem is not null)
            {
                return problem;
            }

            if (startProblem(start ?? defaultStart) is { } invalid)
            {
                return Problems.BadRequest(invalid, "body");
            }

            return await managers.Get<TState, TAction>(kind).RunJobAsync(key, initialState(start ?? defaultStart), ct) switch
            {
                JobCreated => Results.Created($"/api/jobs/{kind}/{key}", new JobRunView(key, Created: true)),
                JobAlreadyRunning => Results.Ok(new JobRunView(key, Created: false)),
                JobRejected rejected => Problems.BadRequest(rejected.Reason, "key"),
                _ => Problems.Unavailable("The job manager did not answer."),
            };
        }).WithSummary($"Run a {kind} job for the key (idempotent: 201 created, 200 already running)")
            .Accepts(typeof(TStart), "application/json").Produces<JobRunView>(StatusCodes.Status201Created).Produces<JobRunView>().ProducesProblem(400).ProducesProblem(503);
        jobs.MapGet("/{key}", async (string key, IJobManagers managers, ActorSystem system, CancellationToken ct) =>
            await managers.Get<TState, TAction>(kind).GetRunningJobAsync(key, ct) is { } job
                ? Results.Ok(new JobStateView<TState>(key, job.Current.Version, job.Current.State, NodeOf(job.Job, system)))
                : Problems.NotFound($"No {kind} job runs for '{key}'."))
            .WithSummary("A running job's state and version").Produces<JobStateView<TState>>().ProducesProblem(404);
        jobs.MapPost("/{key}/actions", async (string key, HttpRequest request, IJobManagers managers, JsonBody reader, CancellationToken ct) =>
        {
            var (action, problem) = await reader.ReadAsync<TAction>(request, "action", ct);
            if (problem is not null || action is null)
            {
                return problem ?? Problems.BadRequest("The body must be an action.", "action");
            }

            if (await managers.Get<TState, TAction>(kind).GetRunningJobAsync(key, ct) is not { } job)
            {
                return Problems.NotFound($"No {kind} job runs for '{key}'.");
            }

            if (actionProblem(action, job.Current.State) is { } invalid)
            {
                return Problems.BadRequest(invalid, "action");
            }

            job.Dispatch(action);
            return Results.Accepted($"/api/jobs/{kind}/{key}");
        }).WithSummary("Dispatch an action to a running job (handled one at a time, in order)")
            .Accepts(typeof(TAction), "application/json").Produces(StatusCodes.Status202Accepted).ProducesProblem(400).ProducesProblem(404);
        jobs.MapDelete("/{key}", async (string key, IJobManagers managers, CancellationToken ct) =>
            await managers.Get<TState, TAction>(kind).GetRunningJobAsync(key, ct) is { } job
                ? Results.Ok(await job.StopAsync(ct))
                : Problems.NotFound($"No {kind} job runs for '{key}'."))
            .WithSummary("Stop a job (its token fires; answers once it has stopped)").Produces<JobStopped>().ProducesProblem(404);
    }

    /// <summary>
    /// A job (or its manager) that does not answer in time is busy, or, on a cluster, moving to another node after its
    /// node died: that is a 503 to try again, not a server error.
    /// </summary>
    private static async ValueTask<object?> AnswerUnavailableOnTimeout(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        try
        {
            return await next(context);
        }
        catch (AskTimeoutException)
        {
            return Problems.Unavailable("The job did not answer in time: it is busy, or moving to another node of the cluster. Try again.", "Not answered in time");
        }
    }

    /// <summary>The address of the node whose actor system runs <paramref name="job"/> (as task records name nodes).</summary>
    private static string NodeOf(IActorRef job, ActorSystem system) => job.Path.Address.HasGlobalScope
        ? job.Path.Address.ToString()
        : ((ExtendedActorSystem)system).Provider.DefaultAddress.ToString();
}

/// <summary>The answer to running a job.</summary>
public sealed record JobRunView(string Key, bool Created);

/// <summary>A running job's state, and the node that runs it (<c>akka.tcp://actors@host:port</c> on a cluster).</summary>
public sealed record JobStateView<TState>(string Key, long Version, TState State, string Node);

