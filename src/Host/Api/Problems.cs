namespace Actors.Host.Api;

/// <summary>The API's error answers: RFC 9457 problem details, with the field at fault where there is one.</summary>
internal static class Problems
{
    public static IResult BadRequest(string detail, string? field = null) =>
        Results.Problem(statusCode: StatusCodes.Status400BadRequest, title: "Invalid request", detail: detail, extensions: Field(field));

    public static IResult NotFound(string detail) => Results.Problem(statusCode: StatusCodes.Status404NotFound, title: "Not found", detail: detail);

    public static IResult Conflict(string detail) => Results.Problem(statusCode: StatusCodes.Status409Conflict, title: "Conflict", detail: detail);

    public static IResult Unprocessable(string detail, string? field = null) =>
        Results.Problem(statusCode: StatusCodes.Status422UnprocessableEntity, title: "Idempotency key reused", detail: detail, extensions: Field(field));

    public static IResult TooManyRequests(string detail) => Results.Problem(statusCode: StatusCodes.Status429TooManyRequests, title: "Queue full", detail: detail);

    public static IResult Unavailable(string detail, string title = "Shutting down") => Results.Problem(statusCode: StatusCodes.Status503ServiceUnavailable, title: title, detail: detail);

    /// <summary>The <c>field</c> extension that names what is at fault, when something is.</summary>
    private static Dictionary<string, object?>? Field(string? field) => field is null ? null : new() { ["field"] = field };
}
