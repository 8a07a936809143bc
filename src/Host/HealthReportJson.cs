using System.Text.Json;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Actors.Host;

/// <summary>Writes a health report as JSON: the overall status, then each check's status, description and data.</summary>
internal static class HealthReportJson
{
    private static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web) { Converters = { new System.Text.Json.Serialization.JsonStringEnumConverter() } };

    public static Task WriteAsync(HttpContext http, HealthReport report)
    {
        http.Response.ContentType = "application/json; charset=utf-8";
        var body = new
        {
            Status = report.Status.ToString(),
            Checks = report.Entries.ToDictionary(entry => entry.Key, entry => new
            {
                Status = entry.Value.Status.ToString(),
                entry.Value.Description,
                Data = entry.Value.Data.Count == 0 ? null : entry.Value.Data,
            }),
        };
        return JsonSerializer.SerializeAsync(http.Response.Body, body, Options, http.RequestAborted);
    }
}
