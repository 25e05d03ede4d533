namespace ServiceDesk.Testing;

/// <summary>
/// The workspace's shared reference data (<c>../shared</c> beside the repository): protocol specs and
/// real traffic samples, read by the tests and never copied into the project.
/// </summary>
public static class SharedFiles
{
    private static readonly Lazy<string> Root = new(FindRoot);

    /// <summary>The repository's root folder (the one holding ServiceDesk.sln).</summary>
    public static string RepositoryRoot { get; } = FindRepositoryRoot();

    /// <summary>A path under <c>../shared</c>, e.g. <c>Path("fixtures", "teams", "message-personal.json")</c>.</summary>
    public static string Path(params string[] parts) => System.IO.Path.Combine([Root.Value, .. parts]);

    private static string FindRoot()
    {
        var shared = System.IO.Path.GetFullPath(System.IO.Path.Combine(RepositoryRoot, "..", "shared"));
        return Directory.Exists(shared)
            ? shared
            : throw new DirectoryNotFoundException($"The shared reference folder is missing: expected {shared} beside the repository.");
    }

    private static string FindRepositoryRoot()
    {
        for (var folder = new DirectoryInfo(AppContext.BaseDirectory); folder is not null; folder = folder.Parent)
        {
            if (File.Exists(System.IO.Path.Combine(folder.FullName, "ServiceDesk.sln")))
            {
                return folder.FullName;
            }
        }

        throw new DirectoryNotFoundException("ServiceDesk.sln was not found above the test binaries.");
    }
}
