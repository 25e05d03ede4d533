using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.ChangeTracking;
using ServiceDesk.Core.Attachments;
using ServiceDesk.Core.Catalogue;
using ServiceDesk.Core.Contacts;
using ServiceDesk.Core.Conversations;
using ServiceDesk.Core.Knowledge;
using ServiceDesk.Core.Intake;
using ServiceDesk.Core.Messages;
using ServiceDesk.Core.Outbox;
using ServiceDesk.Core.Problems;
using ServiceDesk.Core.Satisfaction;
using ServiceDesk.Core.Tickets;
using ServiceDesk.Core.Webhooks;

namespace ServiceDesk.Core.Persistence;

/// <summary>
/// The desk's database. Each provider has a subclass that owns that provider's migrations;
/// the model itself is defined once, here.
/// </summary>
public abstract class ServiceDeskDbContext(DbContextOptions options) : DbContext(options)
{
    public DbSet<Ticket> Tickets => Set<Ticket>();

    public DbSet<TicketEvent> TicketEvents => Set<TicketEvent>();

    public DbSet<Contact> Contacts => Set<Contact>();

    public DbSet<ContactIdentity> ContactIdentities => Set<ContactIdentity>();

    public DbSet<Conversation> Conversations => Set<Conversation>();

    public DbSet<Message> Messages => Set<Message>();

    public DbSet<OutboxMessage> Outbox => Set<OutboxMessage>();

    public DbSet<Service> Services => Set<Service>();

    public DbSet<AssignmentGroup> AssignmentGroups => Set<AssignmentGroup>();

    public DbSet<Supplier> Suppliers => Set<Supplier>();

    public DbSet<KnowledgeArticle> KnowledgeArticles => Set<KnowledgeArticle>();

    public DbSet<SatisfactionResponse> SatisfactionResponses => Set<SatisfactionResponse>();

    public DbSet<Problem> Problems => Set<Problem>();

    public DbSet<Handoff> Handoffs => Set<Handoff>();

    public DbSet<TrustedServiceUrl> TrustedServiceUrls => Set<TrustedServiceUrl>();

    public DbSet<SourceCheckpoint> SourceCheckpoints => Set<SourceCheckpoint>();

    public DbSet<AttachmentContent> Attachments => Set<AttachmentContent>();

    public DbSet<ObservedBaseUrl> ObservedBaseUrls => Set<ObservedBaseUrl>();

    public abstract DatabaseProvider Provider { get; }

    /// <summary>The contact owning an address on a channel, with all its identities, or null.</summary>
    public Task<Contact?> FindContactAsync(Channel channel, string normalizedAddress, CancellationToken cancellationToken) =>
        IntakeQueries.For(this).ContactByAddress(this, channel, normalizedAddress, cancellationToken);

    /// <summary>
    /// The stored contact owning an address when this context tracks it already (the chat bot looks the sender up before
    /// its turn, the intake inside it): the same instance a query would return, without the round trip; else null.
    /// Found by the identity's channel and address and the contact's key, which do not change once tracked: without the
    /// change detection over every tracked entity (<see cref="TrackedEntities"/>).
    /// </summary>
    public Contact? TrackedContact(Channel channel, string normalizedAddress) =>
        this.Tracked<ContactIdentity>().FirstOrDefault(i => i.Channel == channel && i.Address == normalizedAddress) is { ContactId: not 0 } identity
            ? this.Tracked<Contact>().FirstOrDefault(c => c.Id == identity.ContactId)
            : null;

    /// <summary>The conversation with the channel's key, tracked, or null (a compiled query: every chat turn makes it).</summary>
    public Task<Conversation?> FindConversationAsync(Channel channel, string externalKey, CancellationToken cancellationToken) =>
        IntakeQueries.For(this).ConversationByKey(this, channel, externalKey, cancellationToken);

    /// <summary>
    /// The conversation with the channel's key, its contact and the contact's identities, tracked, or null: on a
    /// one-to-one channel the contact is the person writing, so one round trip loads what a chat turn and the intake need.
    /// On PostgreSQL, where every statement is a round trip, the conversation's current ticket comes with it, tracked: the
    /// turn's checks on it (<see cref="IsRequestersTicketAsync"/>) and an append to it find it without a query of their own.
    /// </summary>
    public async Task<Conversation?> FindConversationWithContactAsync(Channel channel, string externalKey, CancellationToken cancellationToken) =>
        Provider == DatabaseProvider.PostgreSql
            ? (await IntakeQueries.For(this).ConversationWithContactAndTicketByKey(this, channel, externalKey, cancellationToken))?.Conversation
            : await IntakeQueries.For(this).ConversationWithContactByKey(this, channel, externalKey, cancellationToken);

    /// <summary>The requester's ticket with its service, tracked, or null when it is not theirs (a compiled query: chat turns make it).</summary>
    public Task<Ticket?> FindRequestersTicketAsync(long ticketId, long requesterId, CancellationToken cancellationToken) =>
        IntakeQueries.For(this).RequestersTicketWithService(this, ticketId, requesterId, cancellationToken);

    /// <summary>
    /// Whether the ticket is the requester's: from the tracked ticket when this context has it (found by key, without the
    /// change detection), else without loading it (a compiled query: chat turns make it).
    /// </summary>
    public Task<bool> IsRequestersTicketAsync(long ticketId, long requesterId, CancellationToken cancellationToken) =>
        this.Tracked<Ticket>().FindEntry(ticketId) is { State: not EntityState.Added and not EntityState.Deleted } tracked
            ? Task.FromResult(tracked.Entity.RequesterId == requesterId)
            : IntakeQueries.For(this).IsRequestersTicket(this, ticketId, requesterId, cancellationToken);

    protected override void ConfigureConventions(ModelConfigurationBuilder configurationBuilder)
    {
        // Enums as text: readable in the database and stable when members are added.
        configurationBuilder.Properties<Enum>().HaveConversion<string>().HaveMaxLength(32);
    }

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        var ticket = modelBuilder.Entity<Ticket>();
        ticket.Property(t => t.Title).HasMaxLength(200);
        ticket.Property(t => t.Assignee).HasMaxLength(200);
        ticket.Property(t => t.Version).IsConcurrencyToken();
        ticket.HasOne(t => t.Requester).WithMany().HasForeignKey(t => t.RequesterId).OnDelete(DeleteBehavior.Restrict);
        ticket.HasOne(t => t.Service).WithMany().HasForeignKey(t => t.ServiceId).OnDelete(DeleteBehavior.Restrict);
        ticket.HasOne(t => t.AssignmentGroup).WithMany().HasForeignKey(t => t.AssignmentGroupId).OnDelete(DeleteBehavior.Restrict);
        ticket.HasOne<Ticket>().WithMany().HasForeignKey(t => t.RelatedTicketId).OnDelete(DeleteBehavior.Restrict);
        ticket.HasMany(t => t.Events).WithOne().HasForeignKey(e => e.TicketId).OnDelete(DeleteBehavior.Cascade);
        ticket.HasMany(t => t.Messages).WithOne().HasForeignKey(m => m.TicketId).OnDelete(DeleteBehavior.Cascade);
        ticket.HasIndex(t => new { t.Status, t.UpdatedAt });
        ticket.HasIndex(t => t.RequesterId);
        ticket.HasIndex(t => t.ResolutionDueAt);
        ticket.HasIndex(t => new { t.Status, t.FirstResponseWarningAt });
        ticket.HasIndex(t => new { t.Status, t.ResolutionWarningAt });
        ticket.HasOne<Ticket>().WithMany().HasForeignKey(t => t.MergedIntoTicketId).OnDelete(DeleteBehavior.Restrict);
        ticket.HasOne<Problem>().WithMany().HasForeignKey(t => t.ProblemId).OnDelete(DeleteBehavior.Restrict);

        var ticketEvent = modelBuilder.Entity<TicketEvent>();
        ticketEvent.Property(e => e.Actor).HasMaxLength(200);
        ticketEvent.Property(e => e.Detail).HasMaxLength(1000);
        ticketEvent.HasIndex(e => new { e.TicketId, e.OccurredAt });

        var contact = modelBuilder.Entity<Contact>();
        contact.Property(c => c.DisplayName).HasMaxLength(200);
        contact.Property(c => c.Language).HasMaxLength(8);
        contact.HasMany(c => c.Identities).WithOne().HasForeignKey(i => i.ContactId).OnDelete(DeleteBehavior.Cascade);

        var identity = modelBuilder.Entity<ContactIdentity>();
        identity.Property(i => i.Address).HasMaxLength(320);
        identity.HasIndex(i => new { i.Channel, i.Address }).IsUnique();

        var conversation = modelBuilder.Entity<Conversation>();
        conversation.Property(c => c.ExternalKey).HasMaxLength(512);
        conversation.Property(c => c.AgentId).HasMaxLength(200);
        conversation.Property(c => c.AgentName).HasMaxLength(200);
        conversation.Property(c => c.Version).IsConcurrencyToken();
        conversation.HasIndex(c => new { c.Channel, c.ExternalKey }).IsUnique();
        conversation.HasIndex(c => new { c.Mode, c.WaitingSince });
        conversation.HasOne(c => c.Contact).WithMany().HasForeignKey(c => c.ContactId).OnDelete(DeleteBehavior.Restrict);
        conversation.HasOne<Ticket>().WithMany().HasForeignKey(c => c.CurrentTicketId).OnDelete(DeleteBehavior.Restrict);

        var message = modelBuilder.Entity<Message>();
        message.Property(m => m.Subject).HasMaxLength(500);
        message.Property(m => m.ExternalId).HasMaxLength(512);
        message.Property(m => m.Author).HasMaxLength(200);
        message.Property(m => m.Recipient).HasMaxLength(320);
        message.Property(m => m.DeliveryError).HasMaxLength(1000);
        message.Property(m => m.Attachments).HasConversion(JsonConverter<List<AttachmentInfo>>())
            .Metadata.SetValueComparer(AttachmentsComparer);

        // Idempotent intake: a redelivered (channel, external id) cannot be inserted twice, whatever the race.
        message.HasIndex(m => new { m.Channel, m.ExternalId }).IsUnique().HasFilter(UniqueWhenNotNullFilter("ExternalId"));
        message.HasIndex(m => new { m.TicketId, m.CreatedAt });
        message.HasOne<Conversation>().WithMany().HasForeignKey(m => m.ConversationId).OnDelete(DeleteBehavior.Restrict);

        var outbox = modelBuilder.Entity<OutboxMessage>();
        outbox.Property(o => o.LastError).HasMaxLength(1000);
        outbox.HasIndex(o => o.DeliveryKey).IsUnique();
        outbox.HasIndex(o => new { o.State, o.NextAttemptAt });
        outbox.HasOne(o => o.Message).WithMany().HasForeignKey(o => o.MessageId).OnDelete(DeleteBehavior.Cascade);

        modelBuilder.Entity<Service>().HasIndex(s => s.Code).IsUnique();
        modelBuilder.Entity<Service>().Property(s => s.Code).HasMaxLength(64);
        modelBuilder.Entity<Service>().HasOne(s => s.AssignmentGroup).WithMany().HasForeignKey(s => s.AssignmentGroupId).OnDelete(DeleteBehavior.Restrict);
        modelBuilder.Entity<Service>().HasOne(s => s.Supplier).WithMany().HasForeignKey(s => s.SupplierId).OnDelete(DeleteBehavior.Restrict);
        modelBuilder.Entity<AssignmentGroup>().HasIndex(g => g.Name).IsUnique();
        modelBuilder.Entity<AssignmentGroup>().Property(g => g.Email).HasMaxLength(320);

        var checkpoint = modelBuilder.Entity<SourceCheckpoint>();
        checkpoint.HasKey(c => c.Source);
        checkpoint.Property(c => c.Source).HasMaxLength(400);
        checkpoint.Property(c => c.LeaseOwner).HasMaxLength(200);

        var attachment = modelBuilder.Entity<AttachmentContent>();
        attachment.HasKey(a => a.Sha256);
        attachment.Property(a => a.Sha256).HasMaxLength(64);
        attachment.Property(a => a.ContentType).HasMaxLength(200);
        modelBuilder.Entity<Supplier>().HasIndex(s => s.Name).IsUnique();

        var problem = modelBuilder.Entity<Problem>();
        problem.Property(p => p.Title).HasMaxLength(200);
        problem.Property(p => p.CreatedBy).HasMaxLength(200);
        problem.HasIndex(p => new { p.Status, p.UpdatedAt });

        var handoff = modelBuilder.Entity<Handoff>();
        handoff.Property(h => h.AgentId).HasMaxLength(200);
        handoff.Property(h => h.AgentName).HasMaxLength(200);
        handoff.HasIndex(h => new { h.ConversationId, h.EndedAt });
        handoff.HasIndex(h => h.RequestedAt);
        handoff.HasOne<Conversation>().WithMany().HasForeignKey(h => h.ConversationId).OnDelete(DeleteBehavior.Cascade);
        handoff.HasOne<Ticket>().WithMany().HasForeignKey(h => h.TicketId).OnDelete(DeleteBehavior.Restrict);

        var trustedUrl = modelBuilder.Entity<TrustedServiceUrl>();
        trustedUrl.Property(u => u.Url).HasMaxLength(512);
        trustedUrl.HasIndex(u => new { u.Channel, u.Url }).IsUnique();

        var observedBaseUrl = modelBuilder.Entity<ObservedBaseUrl>();
        observedBaseUrl.HasKey(u => u.Channel);
        observedBaseUrl.Property(u => u.Url).HasMaxLength(512);

        modelBuilder.ApplyConfiguration(new KnowledgeArticleConfiguration());
        modelBuilder.ApplyConfiguration(new SatisfactionResponseConfiguration());
    }

    /// <summary>The filter that lets many rows have no value in a unique column (each provider quotes names its own way).</summary>
    protected abstract string UniqueWhenNotNullFilter(string column);

    private static readonly JsonSerializerOptions JsonOptions = new(JsonSerializerDefaults.Web);

    private static Microsoft.EntityFrameworkCore.Storage.ValueConversion.ValueConverter<T, string> JsonConverter<T>()
        where T : new() =>
        new(v => JsonSerializer.Serialize(v, JsonOptions), v => JsonSerializer.Deserialize<T>(v, JsonOptions) ?? new T());

    // Attachments are immutable records: compare the lists by value, without serialising on every change check.
    private static readonly ValueComparer<List<AttachmentInfo>> AttachmentsComparer = new(
        (a, b) => a == b || (a != null && b != null && a.SequenceEqual(b)),
        v => v.Count,
        v => v.ToList());
}
