namespace ServiceDesk.Bot.Dialog;

public static class ChatBotServiceCollectionExtensions
{
    /// <summary>The chat bot behind <see cref="IChatBot"/> and its options (<c>Bot:*</c>).</summary>
    public static IServiceCollection AddChatBot(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<BotOptions>().Bind(configuration.GetSection(BotOptions.SectionName)).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<IntentReader>();
        services.AddScoped<MenuDialog>();
        services.AddScoped<ReportDialog>();
        services.AddScoped<TicketDialog>();
        services.AddScoped<SatisfactionDialog>();
        services.AddScoped<HandoffDialog>();
        services.AddScoped<IChatBot, ChatBot>();
        return services;
    }
}
