using ServiceDesk.Channels.Teams;

namespace ServiceDesk.Channels.Tests.Teams;

public class MentionTests
{
    [Fact]
    public void The_bots_mention_is_removed_and_other_mentions_keep_the_name()
    {
        var activity = new Activity
        {
            Text = "<at>Service Desk</at> the printer near <at>Ana L&#243;pez</at> is jammed",
            Recipient = new ChannelAccount { Id = "28:bot" },
            Entities =
            [
                new Entity { Type = "mention", Text = "<at>Service Desk</at>", Mentioned = new ChannelAccount { Id = "28:bot", Name = "Service Desk" } },
                new Entity { Type = "mention", Text = "<at>Ana L&#243;pez</at>", Mentioned = new ChannelAccount { Id = "29:ana", Name = "Ana López" } },
            ],
        };

        Assert.Equal("the printer near Ana López is jammed", Mentions.StripBotMention(activity));
    }

    [Fact]
    public void Text_without_mentions_is_only_trimmed_and_keeps_its_lines()
    {
        var activity = new Activity { Text = "  VPN down\nsince 9:00  ", Recipient = new ChannelAccount { Id = "28:bot" } };

        Assert.Equal("VPN down\nsince 9:00", Mentions.StripBotMention(activity));
    }

    [Fact]
    public void A_mention_of_someone_else_with_the_bots_name_is_not_the_bot()
    {
        var activity = new Activity
        {
            Text = "<at>Desk</at> hello",
            Recipient = new ChannelAccount { Id = "28:bot" },
            Entities = [new Entity { Type = "mention", Text = "<at>Desk</at>", Mentioned = new ChannelAccount { Id = "29:person" } }],
        };

        Assert.Equal("Desk hello", Mentions.StripBotMention(activity));
    }
}
