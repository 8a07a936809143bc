using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Playwright;

namespace Dashboard.Tests;

/// <summary>The real service process, its files root, an API client and a browser page on its dashboard.</summary>
internal sealed class DashboardSession : IAsyncDisposable
{
    private DashboardSession(ServiceProcess service, DirectoryInfo root, Uri address, IPage page, HttpClient http)
    {
        (Service, Root, Address, Page, Http) = (service, root, address, page, http);
    }

    public ServiceProcess Service { get; }

    /// <summary>Its working directory, which is also its files root.</summary>
    public DirectoryInfo Root { get; }

    /// <summary>Where the browser and the API client reach it (loopback, also when it listens on every address).</summary>
    public Uri Address { get; }

    public IPage Page { get; }

    /// <summary>An API client (with the key, when one is set).</summary>
    public HttpClient Http { get; }

    /// <summary>Starts the service, opens its dashboard and (unless <paramref name="apiKey"/> is set) waits until it is live.</summary>
    public static async Task<DashboardSession> StartAsync(Browser browser, IReadOnlyDictionary<string, string>? environment = null, string? apiKey = null)
    {
        var root = Directory.CreateTempSubdirectory("actors-dashboard-");
        var settings = new Dictionary<string, string>(environment ?? new Dictionary<string, string>());
        if (apiKey is not null)
        {
            settings["Service__ApiKey"] = apiKey;
        }

        // With a key, it listens on every address, where the key is required (on loopback alone it is not).
        var service = await ServiceProcess.StartAsync(TimeSpan.FromSeconds(60), settings, apiKey is null ? "127.0.0.1" : "0.0.0.0", root);
        var address = new Uri($"http://127.0.0.1:{service.BaseAddress.Port}");
        var http = new HttpClient { BaseAddress = address, Timeout = TimeSpan.FromSeconds(30) };
        if (apiKey is not null)
        {
            http.DefaultRequestHeaders.Add("X-Api-Key", apiKey);
        }

        var page = await browser.NewPageAsync();
        await page.GotoAsync(address.ToString());
        if (apiKey is null)
        {
            await Assertions.Expect(page.Locator("#connection")).ToHaveAttributeAsync("data-state", "live", new() { Timeout = 15_000 });
        }

        return new DashboardSession(service, root, address, page, http);
    }

    /// <summary>Submits a task through the API; its id.</summary>
    public async Task<string> SubmitAsync(string type, object input)
    {
        using var response = await Http.PostAsJsonAsync($"/api/tasks/{type}", new { input });
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"POST /api/tasks/{type}: {(int)response.StatusCode} {body}");
        return JsonDocument.Parse(body).RootElement.GetProperty("id").GetString()!;
    }

    /// <summary>A task's status through the API.</summary>
    public async Task<string> StatusAsync(string id) =>
        (await Http.GetFromJsonAsync<JsonElement>($"/api/tasks/{id}")).GetProperty("status").GetString()!;

    /// <summary>A folder of sparse files under the files root: no disk written, every byte hashed (about 2 s a GB here).</summary>
    public string SparseFolder(string name, int files, long bytesEach)
    {
        var folder = Root.CreateSubdirectory(name);
        for (var i = 0; i < files; i++)
        {
            using var file = File.Create(Path.Combine(folder.FullName, $"part-{i:000}.bin"));
            file.SetLength(bytesEach);
        }

        return name;
    }

    /// <summary>Saves a full-page screenshot named after the spec.</summary>
    public Task ScreenshotAsync(string name) => Page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(Browser.Screenshots, name + ".png"), FullPage = true });

    public async ValueTask DisposeAsync()
    {
        await Page.Context.CloseAsync();
        Http.Dispose();
        await Service.DisposeAsync();
        try
        {
            Root.Delete(recursive: true);
        }
        catch (IOException)
        {
            // A file the killed process still had open: the temporary folder is cleaned up with the machine.
        }
    }
}
