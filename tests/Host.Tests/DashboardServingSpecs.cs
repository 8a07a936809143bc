using System.Net;
using System.Text.RegularExpressions;

namespace Host.Tests;

public sealed partial class DashboardServingSpecs : ApiSpec
{
    [Theory]
    [InlineData("/", "text/html")]
    [InlineData("/dashboard/dashboard.js", "text/javascript")]
    [InlineData("/dashboard/dashboard.css", "text/css")]
    [InlineData("/dashboard/icon.svg", "image/svg+xml")]
    public async Task Each_file_should_come_with_a_strict_content_security_policy_and_revalidate_by_etag(string path, string contentType)
    {
        var response = await Http.GetAsync(path);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(contentType, response.Content.Headers.ContentType!.MediaType);
        var policy = response.Headers.GetValues("Content-Security-Policy").Single();
        Assert.Contains("default-src 'none'", policy);
        Assert.Contains("script-src 'self'", policy);
        Assert.DoesNotContain("unsafe", policy);
        Assert.Equal("nosniff", response.Headers.GetValues("X-Content-Type-Options").Single());

        using var again = new HttpRequestMessage(HttpMethod.Get, path);
        again.Headers.IfNoneMatch.Add(response.Headers.ETag!);
        Assert.Equal(HttpStatusCode.NotModified, (await Http.SendAsync(again)).StatusCode);
    }

    [Fact]
    public async Task The_page_should_have_no_inline_script_or_style_and_load_nothing_from_elsewhere()
    {
        var html = await Http.GetStringAsync("/");

        Assert.DoesNotMatch(InlineScript(), html);
        Assert.DoesNotContain(" style=", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotMatch(@"<[^>]+\son[a-z]+\s*=", html);
        Assert.All(Sources().Matches(html), source => Assert.StartsWith("/dashboard/", source.Groups[1].Value, StringComparison.Ordinal));
        Assert.Equal(HttpStatusCode.NotFound, (await Http.GetAsync("/dashboard/../appsettings.json")).StatusCode);
    }

    [Fact]
    public async Task The_cluster_view_should_say_the_service_runs_alone()
    {
        var view = await (await Http.GetAsync("/api/cluster")).ReadJsonAsync();

        Assert.False(view.GetProperty("clustered").GetBoolean());
        Assert.Equal(0, view.GetProperty("members").GetArrayLength());
    }

    /// <summary>A script element with content (rather than a src).</summary>
    [GeneratedRegex(@"<script(?![^>]*\ssrc=)[^>]*>\s*\S", RegexOptions.IgnoreCase)]
    private static partial Regex InlineScript();

    [GeneratedRegex(@"(?:src|href)=""([^""]+)""", RegexOptions.IgnoreCase)]
    private static partial Regex Sources();
}
