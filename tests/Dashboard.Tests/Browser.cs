using Microsoft.Playwright;

namespace Dashboard.Tests;

/// <summary>
/// One headless Chromium for the dashboard specs: Debian's <c>chromium</c> package (<c>/usr/bin/chromium</c>, which
/// <c>.ci/run</c> installs when missing), driven by Playwright .NET. Playwright's own browser download is never used.
/// </summary>
public sealed class Browser : IAsyncLifetime
{
    /// <summary>Where Debian's package puts it; <c>ACTORS_CHROMIUM</c> names another.</summary>
    public static readonly string ExecutablePath = Environment.GetEnvironmentVariable("ACTORS_CHROMIUM") is { Length: > 0 } path ? path : "/usr/bin/chromium";

    private IPlaywright? _playwright;
    private IBrowser? _browser;

    /// <summary>Where each spec saves its screenshots.</summary>
    public static string Screenshots { get; } = Directory.CreateDirectory(Path.Combine(AppContext.BaseDirectory, "screenshots")).FullName;

    public async Task InitializeAsync()
    {
        if (!File.Exists(ExecutablePath))
        {
            throw new InvalidOperationException($"No Chromium at {ExecutablePath}: install Debian's package (apt-get install -y chromium), as .ci/run does.");
        }

        _playwright = await Playwright.CreateAsync();
        _browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = ExecutablePath,
            Headless = true,
            // As root in a container: no sandbox. The rest keep Chromium off the network it cannot reach here.
            Args = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
        });
    }

    /// <summary>A new page in a new context (its own storage: no API key carried over from another spec).</summary>
    public async Task<IPage> NewPageAsync()
    {
        var context = await _browser!.NewContextAsync(new BrowserNewContextOptions { ViewportSize = new ViewportSize { Width = 1400, Height = 1000 } });
        var page = await context.NewPageAsync();
        var problems = new List<string>();
        page.Console += (_, message) =>
        {
            if (message.Type == "error")
            {
                lock (problems)
                {
                    problems.Add($"{message.Text} ({message.Location})");
                }
            }
        };
        page.PageError += (_, error) =>
        {
            lock (problems)
            {
                problems.Add(error);
            }
        };
        Errors[page] = problems;
        return page;
    }

    /// <summary>Errors the page logged or threw (a CSP violation is logged as one).</summary>
    public Dictionary<IPage, List<string>> Errors { get; } = [];

    public async Task DisposeAsync()
    {
        if (_browser is not null)
        {
            await _browser.DisposeAsync();
        }

        _playwright?.Dispose();
    }
}

/// <summary>The dashboard specs share one browser and run one at a time (the load spec needs the machine to itself).</summary>
[CollectionDefinition(Name)]
public sealed class BrowserCollection : ICollectionFixture<Browser>
{
    public const string Name = "browser";
}
