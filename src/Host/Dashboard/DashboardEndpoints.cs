using System.Collections.Frozen;
using System.Security.Cryptography;

namespace Actors.Host.Dashboard;

/// <summary>
/// The live dashboard at <c>/</c>: a few static files compiled into the service (nothing is read from disk or fetched from
/// elsewhere), served with a strict Content-Security-Policy. The page holds no data: it reads the API (with the key the
/// user enters when the service requires one) and follows <c>/api/events</c>.
/// </summary>
internal static class DashboardEndpoints
{
    /// <summary>Only this origin's script, style and connections; no inline script or style, no frames, no forms posted anywhere.</summary>
    public const string ContentSecurityPolicy =
        "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

    private static readonly FrozenDictionary<string, DashboardFile> Files = new Dictionary<string, DashboardFile>
    {
        ["/"] = DashboardFile.Load("index.html", "text/html; charset=utf-8"),
        ["/dashboard/dashboard.js"] = DashboardFile.Load("dashboard.js", "text/javascript; charset=utf-8"),
        ["/dashboard/dashboard.css"] = DashboardFile.Load("dashboard.css", "text/css; charset=utf-8"),
        ["/dashboard/icon.svg"] = DashboardFile.Load("icon.svg", "image/svg+xml"),
        // Browsers ask for it whatever the page says.
        ["/favicon.ico"] = DashboardFile.Load("icon.svg", "image/svg+xml"),
    }.ToFrozenDictionary(StringComparer.Ordinal);

    public static void MapDashboard(this IEndpointRouteBuilder app)
    {
        foreach (var (path, file) in Files)
        {
            app.MapGet(path, (HttpContext context) => Serve(context, file)).ExcludeFromDescription();
        }
    }

    private static IResult Serve(HttpContext context, DashboardFile file)
    {
        var headers = context.Response.Headers;
        headers.ContentSecurityPolicy = ContentSecurityPolicy;
        headers.XContentTypeOptions = "nosniff";
        headers["Referrer-Policy"] = "no-referrer";
        headers.XFrameOptions = "DENY";
        // Revalidated on every load (a new version of the service serves new files), 304 when unchanged.
        headers.CacheControl = "no-cache";
        headers.ETag = file.ETag;
        return context.Request.Headers.IfNoneMatch == file.ETag
            ? Results.StatusCode(StatusCodes.Status304NotModified)
            : Results.Bytes(file.Content, file.ContentType);
    }

    private sealed record DashboardFile(byte[] Content, string ContentType, string ETag)
    {
        public static DashboardFile Load(string name, string contentType)
        {
            using var stream = typeof(DashboardEndpoints).Assembly.GetManifestResourceStream($"Dashboard/{name}")
                ?? throw new InvalidOperationException($"The dashboard file {name} is not embedded in the service.");
            using var copy = new MemoryStream();
            stream.CopyTo(copy);
            var content = copy.ToArray();
            return new DashboardFile(content, contentType, $"\"{Convert.ToHexStringLower(SHA256.HashData(content))[..16]}\"");
        }
    }
}
