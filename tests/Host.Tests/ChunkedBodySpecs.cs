using System.Net;

namespace Host.Tests;

/// <summary>Kestrel's own body limit, met by a chunked body (no Content-Length), answers 413 on every POST endpoint of the real process.</summary>
public sealed class ChunkedBodySpecs
{
    [Fact]
    public async Task A_chunked_body_over_the_limit_should_get_413_on_every_post_endpoint()
    {
        await using var service = await ServiceProcess.StartAsync(TimeSpan.FromSeconds(60));
        using var http = new HttpClient { BaseAddress = service.BaseAddress };
        var oversized = new byte[300 * 1024];
        Array.Fill(oversized, (byte)' ');

        foreach (var path in new[] { "/api/tasks/files.scan", "/api/jobs/counters/k", "/api/jobs/counters/k/actions", "/api/thunks/deposits", "/api/thunks/transfers" })
        {
            var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new StreamContent(new MemoryStream(oversized)) };
            request.Headers.TransferEncodingChunked = true;
            request.Content.Headers.ContentType = new("application/json");

            var response = await http.SendAsync(request);

            Assert.True(response.StatusCode == HttpStatusCode.RequestEntityTooLarge, $"{path}: {(int)response.StatusCode}");
        }

        Assert.DoesNotContain("ERR]", service.Output);
    }
}
