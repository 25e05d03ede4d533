using System.Collections;
using System.Globalization;
using System.Reflection;
using System.Resources;

namespace ServiceDesk.Bot.Tests;

/// <summary>Every text the desk says exists in English and in Spanish, in every resource file of every assembly.</summary>
public class ResourceParityTests
{
    private static readonly Assembly[] Assemblies =
    [
        typeof(global::ServiceDesk.Bot.Dialog.IChatBot).Assembly,
        typeof(Channels.Teams.TeamsTexts).Assembly,
        typeof(Core.Notifications.NotificationTexts).Assembly,
    ];

    public static TheoryData<string, string> ResourceFiles()
    {
        var data = new TheoryData<string, string>();
        foreach (var assembly in Assemblies)
        {
            foreach (var name in assembly.GetManifestResourceNames().Where(n => n.EndsWith(".resources", StringComparison.Ordinal)))
            {
                data.Add(assembly.GetName().Name!, name[..^".resources".Length]);
            }
        }

        return data;
    }

    [Fact]
    public void Every_resource_file_of_the_bot_and_the_channels_is_checked()
    {
        var names = ResourceFiles().Select(row => (string)row[1]).ToList();
        Assert.Contains(names, n => n.EndsWith(".BotTexts", StringComparison.Ordinal));
        Assert.Contains(names, n => n.EndsWith(".TeamsTexts", StringComparison.Ordinal));
        Assert.Contains(names, n => n.EndsWith(".SmsTexts", StringComparison.Ordinal));
        Assert.Contains(names, n => n.EndsWith(".EmailTexts", StringComparison.Ordinal));
        Assert.Contains(names, n => n.EndsWith(".NotificationTexts", StringComparison.Ordinal));
        Assert.Contains(names, n => n.EndsWith(".ConsoleTexts", StringComparison.Ordinal));
    }

    [Theory]
    [MemberData(nameof(ResourceFiles))]
    public void Every_key_is_in_english_and_in_spanish(string assemblyName, string baseName)
    {
        var assembly = Assemblies.Single(a => a.GetName().Name == assemblyName);
        var resources = new ResourceManager(baseName, assembly);

        var english = Keys(resources, CultureInfo.InvariantCulture);
        var spanish = Keys(resources, CultureInfo.GetCultureInfo("es"));

        Assert.NotEmpty(english);
        Assert.Empty(english.Except(spanish).Order());
        Assert.Empty(spanish.Except(english).Order());
    }

    /// <summary>The keys of one language's file alone, without falling back to the neutral one.</summary>
    private static HashSet<string> Keys(ResourceManager resources, CultureInfo culture)
    {
        var set = resources.GetResourceSet(culture, createIfNotExists: true, tryParents: false)
            ?? throw new InvalidOperationException($"No {culture.Name} resources for {resources.BaseName}.");
        return set.Cast<DictionaryEntry>().Select(e => (string)e.Key).Where(k => !string.IsNullOrWhiteSpace(set.GetString(k))).ToHashSet();
    }
}
