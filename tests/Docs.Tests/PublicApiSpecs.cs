using PublicApiGenerator;

namespace Docs.Tests;

/// <summary>
/// The public surface of each package, listed in a checked-in file (tests/Docs.Tests/api/): a change to the
/// surface changes the file, so it shows in review. After an intended change, run with
/// <c>ACTORS_ACCEPT_API=1</c> to rewrite the file, and commit it.
/// </summary>
public sealed class PublicApiSpecs
{
    private static readonly string Folder = Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, "..", "..", "..", "api"));

    [Theory]
    [InlineData("Actors")]
    [InlineData("Actors.TestKit")]
    public void The_public_API_should_be_the_approved_one(string package)
    {
        var assembly = package == "Actors" ? typeof(Actors.Tasks.ITaskQueue).Assembly : typeof(Actors.TestKit.TaskQueueHarness).Assembly;
        var actual = assembly.GeneratePublicApi(new ApiGeneratorOptions { ExcludeAttributes = ["System.Runtime.Versioning.TargetFrameworkAttribute", "System.Reflection.AssemblyMetadataAttribute"] })
            .ReplaceLineEndings("\n");
        var file = Path.Combine(Folder, $"{package}.approved.txt");
        if (Environment.GetEnvironmentVariable("ACTORS_ACCEPT_API") == "1")
        {
            File.WriteAllText(file, actual);
        }

        var approved = File.Exists(file) ? File.ReadAllText(file).ReplaceLineEndings("\n") : "(no approved file)";
        if (approved != actual)
        {
            File.WriteAllText(Path.Combine(Folder, $"{package}.received.txt"), actual);
            Assert.Fail($"The public API of {package} changed: compare {package}.received.txt with {package}.approved.txt in tests/Docs.Tests/api, " +
                "and if the change is intended, run the tests with ACTORS_ACCEPT_API=1 and commit the approved file.");
        }
    }
}
