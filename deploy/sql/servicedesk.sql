IF OBJECT_ID(N'[__EFMigrationsHistory]') IS NULL
BEGIN
    CREATE TABLE [__EFMigrationsHistory] (
        [MigrationId] nvarchar(150) NOT NULL,
        [ProductVersion] nvarchar(32) NOT NULL,
        CONSTRAINT [PK___EFMigrationsHistory] PRIMARY KEY ([MigrationId])
    );
END;
GO

BEGIN TRANSACTION;
IF NOT EXISTS (
    SELECT * FROM [__EFMigrationsHistory]
    WHERE [MigrationId] = N'20261123015545_Initial'
)
BEGIN
    CREATE TABLE [AssignmentGroups] (
        [Id] int NOT NULL IDENTITY,
        [Name] nvarchar(450) NOT NULL,
        [Tier] nvarchar(32) NOT NULL,
        CONSTRAINT [PK_AssignmentGroups] PRIMARY KEY ([Id])
    );
END;

IF NOT EXISTS (
    SELECT * FROM [__EFMigrationsHistory]
    WHERE [MigrationId] = N'20261123015545_Initial'
)
BEGIN
    CREATE TABLE [Contacts] (
        [Id] bigint NOT NULL IDENTITY,
        [DisplayName] nvarchar(200) NOT NULL,
        [Language] nvarchar(8) NOT NULL,
        [SmsOptedOut] bit NOT NULL,
        [CreatedAt] datetimeoffset NOT NULL,
        CONSTRAINT [PK_Contacts] PRIMARY KEY ([Id])
    );
END;

IF NOT EXISTS (
    SELECT * FROM [__EFMigrationsHistory]
    WHERE [MigrationId] = N'20261123015545_Initial'
)
BEGIN
    CREATE TABLE [Suppliers] (
        [Id] int NOT NULL IDENTITY,
        [Name] nvarchar(450) NOT NULL,
        [ContactEmail] nvarchar(max) NULL,
        CONSTRAINT [PK_Suppliers] PRIMARY KEY ([Id])
    );
END;

IF NOT EXISTS (
    SELECT * FROM [__EFMigrationsHistory]
    WHERE [MigrationId] = N'20261123015545_Initial'
)
BEGIN
    CREATE TABLE [ContactIdentities] (
        [Id] bigint NOT NULL IDENTITY,
        [ContactId] bigint NOT NULL,
        [Channel] nvarchar(32) NOT NULL,
        [Address] nvarchar(320) NOT NULL,
        [Unreachable] bit NOT NULL,
        [UnreachableReason] nvarchar(max) NULL,
        CONSTRAINT [PK_ContactIdentities] PRIMARY KEY ([Id]),
        CONSTRAINT [FK_ContactIdentities_Contacts_ContactId] FOREIGN KEY ([ContactId]) REFERENCES [Contacts] ([Id]) ON DELETE CASCADE
    );
END;

IF NOT EXISTS (
    SELECT * FROM [__EFMigrationsHistory]
    WHERE [MigrationId] = N'20261123015545_Initial'
)
BEGIN
    CREATE TABLE [Services] (
        [Id] int NOT NULL IDENTITY,
        [Code] nvarchar(64) NOT NULL,
        [NameEn] nvarchar(max) NOT NULL,
        [NameEs] nvarchar(max) NOT NULL,
        [AssignmentGroupId] int NOT NULL,
        [SupplierId] int NULL,
        [UnderpinningResolutionTarget] time NULL,
        CONSTRAINT [PK_Services] PRIMARY KEY ([Id]),
        CONSTRAINT [FK_Services_AssignmentGroups_AssignmentGroupId] FOREIGN KEY ([AssignmentGroupId]) REFERENCES [AssignmentGroups] ([Id]) ON DELETE NO ACTION,
        CONSTRAINT [FK_Services_Suppliers_SupplierId] FOREIGN KEY ([SupplierId]) REFERENCES [Suppliers] ([Id]) ON DELETE NO ACTION
    );
END;

IF NOT EXISTS (
    SELECT * FROM [__EFMigrationsHistory]
    WHERE [MigrationId] = N'20261123015545_Initial'
)
BEGIN
    CREATE TABLE [Tickets] (
        [Id] bigint NOT NULL IDENTITY,
        [Type] nvarchar(32) NOT NULL,
        [Title] nvarchar(200) NOT NULL,
        [Description] nvarchar(max) NOT NULL,
        [Status] nvarchar(32) NOT NULL,
        [Impact] nvarchar(32) NOT NULL,
        [Urgency] nvarchar(32) NOT NULL,
        [Priority] nvarchar(32) NOT NULL,
        [PriorityOverridden] bit NOT NULL,
        [OriginChannel] nvarchar(32) NOT NULL,
        [RequesterId] bigint NOT NULL,
        [ServiceId] int NULL,
        [AssignmentGroupId] int NULL,
        [Assignee] nvarchar(200) NULL,
        [RelatedTicketId] bigint NULL,
        [CreatedAt] datetimeoffset NOT NULL,
        [UpdatedAt] datetimeoffset NOT NULL,
        [FirstResponseDueAt] datetimeoffset NOT NULL,
        [ResolutionDueAt] datetimeoffset NOT NULL,
        [SupplierDueAt] datetimeoffset NULL,
        [FirstRespondedAt] datetimeoffset NULL,
        [ResolvedAt] datetimeoffset NULL,
        [ClosedAt] datetimeoffset NULL,
        [SlaPausedAt] datetimeoffset NULL,
        [SlaPausedFor] time NOT NULL,
        [FirstResponseBreached] bit NOT NULL,
        [ResolutionBreached] bit NOT NULL,
        [ResolvedAtFirstContact] bit NOT NULL,
        [Version] int NOT NULL,
        CONSTRAINT [PK_Tickets] PRIMARY KEY ([Id]),
        CONSTRAINT [FK_Tickets_AssignmentGroups_AssignmentGroupId] FOREIGN KEY ([AssignmentGroupId]) REFERENCES [AssignmentGroups] ([Id]) ON DELETE NO ACTION,
        CONSTRAINT [FK_Tickets_Contacts_RequesterId] FOREIGN KEY ([RequesterId]) REFERENCES [Contacts] ([Id]) ON DELETE NO ACTION,
        CONSTRAINT [FK_Tickets_Services_ServiceId] FOREIGN KEY ([ServiceId]) REFERENCES [Services] ([Id]) ON DELETE NO ACTION,
        CONSTRAINT [FK_Tickets_Tickets_RelatedTicketId] FOREIGN KEY ([RelatedTicketId]) REFERENCES [Tickets] ([Id]) ON DELETE NO ACTION
    );
END;

IF NOT EXISTS (
    SELECT * FROM [__EFMigrationsHistory]
    WHERE [MigrationId] = N'20261123015545_Initial'
)
BEGIN
    CREATE TABLE [Conversations] (
        [Id] bigint NOT NULL IDENTITY,
        [Channel] nvarchar(32) NOT NULL,
        [ExternalKey] nvarchar(512) NOT NULL,
        [ContactId] bigint NOT NULL,
        [Mode] nvarchar(32) NOT NULL,
        [ReplyHandle] nvarchar(max) NULL,
        [CurrentTicketId] bigint NULL,
        [AgentId] nvarchar(200) NULL,
        [WaitingSince] datetimeoffset NULL,
        [DialogState] nvarchar(max) NULL,
        [CreatedAt] datetimeoffset NOT NULL,
        [LastActivityAt] datetimeoffset NOT NULL,
        [Version] int NOT NULL,
        CONSTRAINT [PK_Conversations] PRIMARY KEY ([Id]),
        CONSTRAINT [FK_Conversations_Contacts_ContactId] FOREIGN KEY ([ContactId]) REFERENCES [Contacts] ([Id]) ON DELETE NO ACTION,
        CONSTRAINT [FK_Conversations_Tickets_CurrentTicketId] FOREIGN KEY ([CurrentTicketId]) REFERENCES [Tickets] ([Id]) ON DELETE NO ACTION
    );
END;

IF NOT EXISTS (
    SELECT * FROM [__EFMigrationsHistory]
    WHERE [MigrationId] = N'20261123015545_Initial'
)
BEGIN
    CREATE TABLE [TicketEvents] (
        [Id] bigint NOT NULL IDENTITY,
        [TicketId] bigint NOT NULL,
        [Kind] nvarchar(32) NOT NULL,
        [Actor] nvarchar(200) NOT NULL,
        [OccurredAt] datetimeoffset NOT NULL,
        [Detail] nvarchar(1000) NULL,
        CONSTRAINT [PK_TicketEvents] PRIMARY KEY ([Id]),
        CONSTRAINT [FK_TicketEvents_Tickets_TicketId] FOREIGN KEY ([TicketId]) REFERENCES [Tickets] ([Id]) ON DELETE CASCADE
    );
END;

IF NOT EXISTS (
    SELECT * FROM [__EFMigrationsHistory]
    WHERE [MigrationId] = N'20261123015545_Initial'
)
BEGIN
    CREATE TABLE [Messages] (
        [Id] bigint NOT NULL IDENTITY,
        [TicketId] bigint NULL,
        [ConversationId] bigint NULL,
        [Channel] nvarchar(32) NOT NULL,
        [Direction] nvarchar(32) NOT NULL,
        [Visibility] nvarchar(32) NOT NULL,
        [Kind] nvarchar(32) NOT NULL,
        [ExternalId] nvarchar(512) NULL,
        [Subject] nvarchar(500) NULL,
        [Body] nvarchar(max) NOT NULL,
        [Author] nvarchar(200) NOT NULL,
        [AuthorContactId] bigint NULL,
        [Recipient] nvarchar(320) NULL,
        [Attachments] nvarchar(max) NOT NULL,
        [DeliveryState] nvarchar(32) NOT NULL,
        [DeliveryError] nvarchar(1000) NULL,
        [CreatedAt] datetimeoffset NOT NULL,
        [EditedAt] datetimeoffset NULL,
        [Deleted] bit NOT NULL,
        CONSTRAINT [PK_Messages] PRIMARY KEY ([Id]),
        CONSTRAINT [FK_Messages_Conversations_ConversationId] FOREIGN KEY ([ConversationId]) REFERENCES [Conversations] ([Id]) ON DELETE NO ACTION,
        CONSTRAINT [FK_Messages_Tickets_TicketId] FOREIGN KEY ([TicketId]) REFERENCES [Tickets] ([Id]) ON DELETE CASCADE
    );
END;

IF NOT EXISTS (
    SELECT * FROM [__EFMigrationsHistory]
    WHERE [MigrationId] = N'20261123015545_Initial'
)
BEGIN
    CREATE TABLE [Outbox] (
        [Id] bigint NOT NULL IDENTITY,
        [MessageId] bigint NOT NULL,
        [DeliveryKey] uniqueidentifier NOT NULL,
        [State] nvarchar(32) NOT NULL,
        [Attempts] int NOT NULL,
        [CreatedAt] datetimeoffset NOT NULL,
        [NextAttemptAt] datetimeoffset NOT NULL,
        [ClaimedAt] datetimeoffset NULL,
        [SentAt] datetimeoffset NULL,
        [LastError] nvarchar(1000) NULL,
        CONSTRAINT [PK_Outbox] PRIMARY KEY ([Id]),
        CONSTRAINT [FK_Outbox_Messages_MessageId] FOREIGN KEY ([MessageId]) REFERENCES [Messages] ([Id]) ON DELETE CASCADE
    );
END;

IF NOT EXISTS (
    SELECT * FROM [__EFMigrationsHistory]
    WHERE [MigrationId] = N'20261123015545_Initial'
)
BEGIN
    CREATE UNIQUE INDEX [IX_AssignmentGroups_Name] ON [AssignmentGroups] ([Name]);
END;

IF NOT EXISTS (
    SELECT * FROM [__EFMigrationsHistory]
    WHERE [MigrationId] = N'20261123015545_Initial'
)
BEGIN
    CREATE UNIQUE INDEX [IX_ContactIdentities_Channel_Address] ON [ContactIdentities] ([Channel], [Address]);
END;

IF NOT EXISTS (
    SELECT * FROM [__EFMigrationsHistory]
    WHERE [MigrationId] = N'20261123015545_Initial'
)
BEGIN
    CREATE INDEX [IX_ContactIdentities_ContactId] ON [ContactIdentities] ([ContactId]);
END;

IF NOT EXISTS (
    SELECT * FROM [__EFMigrationsHistory]
    WHERE [MigrationId] = N'20261123015545_Initial'
)
BEGIN
    CREATE UNIQUE INDEX [IX_Conversations_Channel_ExternalKey] ON [Conversations] ([Channel], [ExternalKey]);
END;

IF NOT EXISTS (
    SELECT * FROM [__EFMigrationsHistory]
    WHERE [MigrationId] = N'20261123015545_Initial'
)
BEGIN
    CREATE INDEX [IX_Conversations_ContactId] ON [Conversations] ([ContactId]);
END;

IF NOT EXISTS (
    SELECT * FROM [__EFMigrationsHistory]
    WHERE [MigrationId] = N'20261123015545_Initial'
)
BEGIN
    CREATE INDEX [IX_Conversations_CurrentTicketId] ON [Conversations] ([CurrentTicketId]);
END;

IF NOT EXISTS (
    SELECT * FROM [__EFMigrationsHistory]
    WHERE [MigrationId] = N'20261123015545_Initial'
)
BEGIN
    CREATE INDEX [IX_Conversations_Mode_WaitingSince] ON [Conversations] ([Mode], [WaitingSince]);
END;

IF NOT EXISTS (
    SELECT * FROM [__EFMigrationsHistory]
    WHERE [MigrationId] = N'20261123015545_Initial'
)
BEGIN
    EXEC(N'CREATE UNIQUE INDEX [IX_Messages_Channel_ExternalId] ON [Messages] ([Channel], [ExternalId]) WHERE [ExternalId] IS NOT NULL');
END;

IF NOT EXISTS (
    SELECT * FROM [__EFMigrationsHistory]
    WHERE [MigrationId] = N'20261123015545_Initial'
)
BEGIN
    CREATE INDEX [IX_Messages_ConversationId] ON [Messages] ([ConversationId]);
END;

IF NOT EXISTS (
    SELECT * FROM [__EFMigrationsHistory]
    WHERE [MigrationId] = N'20261123015545_Initial'
)
BEGIN
    CREATE INDEX [IX_Messages_TicketId_CreatedAt] ON [Messages] ([TicketId], [CreatedAt]);
END;

IF NOT EXISTS (
    SELECT * FROM [__EFMigrationsHistory]
    WHERE [MigrationId] = N'20261123015545_Initial'
)
BEGIN
    CREATE UNIQUE INDEX [IX_Outbox_DeliveryKey] ON [Outbox] ([DeliveryKey]);
END;

IF NOT EXISTS (
    SELECT * FROM [__EFMigrationsHistory]
    WHERE [MigrationId] = N'20261123015545_Initial'
)
BEGIN
    CREATE INDEX [IX_Outbox_MessageId] ON [Outbox] ([MessageId]);
END;

IF NOT EXISTS (
    SELECT * FROM [__EFMigrationsHistory]
    WHERE [MigrationId] = N'20261123015545_Initial'
)
BEGIN
    CREATE INDEX [IX_Outbox_State_NextAttemptAt] ON [Outbox] ([State], [NextAttemptAt]);
END;

IF NOT EXISTS (
    SELECT * FROM [__EFMigrationsHistory]
    WHERE [MigrationId] = N'20261123015545_Initial'
)
BEGIN
    CREATE INDEX [IX_Services_AssignmentGroupId] ON [Services] ([AssignmentGroupId]);
END;

IF NOT EXISTS (
    SELECT * FROM [__EFMigrationsHistory]
    WHERE [MigrationId] = N'20261123015545_Initial'
)
BEGIN
    CREATE UNIQUE INDEX [IX_Services_Code] ON [Services] ([Code]);
END;

IF NOT EXISTS (
    SELECT * FROM [__EFMigrationsHistory]
    WHERE [MigrationId] = N'20261123015545_Initial'
)
BEGIN
    CREATE INDEX [IX_Services_SupplierId] ON [Services] ([SupplierId]);
END;

IF NOT EXISTS (
    SELECT * FROM [__EFMigrationsHistory]
    WHERE [MigrationId] = N'20261123015545_Initial'
)
BEGIN
    CREATE UNIQUE INDEX [IX_Suppliers_Name] ON [Suppliers] ([Name]);
END;

IF NOT EXISTS (
    SELECT * FROM [__EFMigrationsHistory]
    WHERE [MigrationId] = N'20261123015545_Initial'
)
BEGIN
    CREATE INDEX [IX_TicketEvents_TicketId_OccurredAt] ON [TicketEvents] ([TicketId], [OccurredAt]);
END;

IF NOT EXISTS (
    SELECT * FROM [__EFMigrationsHistory]
    WHERE [MigrationId] = N'20261123015545_Initial'
)
BEGIN
    CREATE INDEX [IX_Tickets_AssignmentGroupId] ON [Tickets] ([AssignmentGroupId]);
END;

IF NOT EXISTS (
    SELECT * FROM [__EFMigrationsHistory]
    WHERE [MigrationId] = N'20261123015545_Initial'
)
BEGIN
    CREATE INDEX [IX_Tickets_RelatedTicketId] ON [Tickets] ([RelatedTicketId]);
END;

IF NOT EXISTS (
    SELECT * FROM [__EFMigrationsHistory]
    WHERE [MigrationId] = N'20261123015545_Initial'
)
BEGIN
    CREATE INDEX [IX_Tickets_RequesterId] ON [Tickets] ([RequesterId]);
END;

IF NOT EXISTS (
    SELECT * FROM [__EFMigrationsHistory]
    WHERE [MigrationId] = N'20261123015545_Initial'
)
BEGIN
    CREATE INDEX [IX_Tickets_ResolutionDueAt] ON [Tickets] ([ResolutionDueAt]);
END;

IF NOT EXISTS (
    SELECT * FROM [__EFMigrationsHistory]
    WHERE [MigrationId] = N'20261123015545_Initial'
)
BEGIN
    CREATE INDEX [IX_Tickets_ServiceId] ON [Tickets] ([ServiceId]);
END;

IF NOT EXISTS (
    SELECT * FROM [__EFMigrationsHistory]
    WHERE [MigrationId] = N'20261123015545_Initial'
)
BEGIN
    CREATE INDEX [IX_Tickets_Status_UpdatedAt] ON [Tickets] ([Status], [UpdatedAt]);
END;

IF NOT EXISTS (
    SELECT * FROM [__EFMigrationsHistory]
    WHERE [MigrationId] = N'20261123015545_Initial'
)
BEGIN
    INSERT INTO [__EFMigrationsHistory] ([MigrationId], [ProductVersion])
    VALUES (N'20261123015545_Initial', N'10.0.14');
END;

COMMIT;
GO

BEGIN TRANSACTION;
IF NOT EXISTS (
    SELECT * FROM [__EFMigrationsHistory]
    WHERE [MigrationId] = N'20261124004641_AgentConsole'
)
BEGIN
    ALTER TABLE [Tickets] ADD [MergedIntoTicketId] bigint NULL;
END;

IF NOT EXISTS (
    SELECT * FROM [__EFMigrationsHistory]
    WHERE [MigrationId] = N'20261124004641_AgentConsole'
)
BEGIN
    ALTER TABLE [Tickets] ADD [ProblemId] bigint NULL;
END;

IF NOT EXISTS (
    SELECT * FROM [__EFMigrationsHistory]
    WHERE [MigrationId] = N'20261124004641_AgentConsole'
)
BEGIN
    ALTER TABLE [Conversations] ADD [AgentActiveAt] datetimeoffset NULL;
END;

IF NOT EXISTS (
    SELECT * FROM [__EFMigrationsHistory]
    WHERE [MigrationId] = N'20261124004641_AgentConsole'
)
BEGIN
    ALTER TABLE [Conversations] ADD [AgentName] nvarchar(200) NULL;
END;

IF NOT EXISTS (
    SELECT * FROM [__EFMigrationsHistory]
    WHERE [MigrationId] = N'20261124004641_AgentConsole'
)
BEGIN
    CREATE TABLE [Handoffs] (
        [Id] bigint NOT NULL IDENTITY,
        [ConversationId] bigint NOT NULL,
        [TicketId] bigint NULL,
        [Channel] nvarchar(32) NOT NULL,
        [Requested] bit NOT NULL,
        [RequestedAt] datetimeoffset NOT NULL,
        [TakenAt] datetimeoffset NULL,
        [AgentId] nvarchar(200) NULL,
        [AgentName] nvarchar(200) NULL,
        [EndedAt] datetimeoffset NULL,
        [EndReason] nvarchar(32) NULL,
        CONSTRAINT [PK_Handoffs] PRIMARY KEY ([Id]),
        CONSTRAINT [FK_Handoffs_Conversations_ConversationId] FOREIGN KEY ([ConversationId]) REFERENCES [Conversations] ([Id]) ON DELETE CASCADE,
        CONSTRAINT [FK_Handoffs_Tickets_TicketId] FOREIGN KEY ([TicketId]) REFERENCES [Tickets] ([Id]) ON DELETE NO ACTION
    );
END;

IF NOT EXISTS (
    SELECT * FROM [__EFMigrationsHistory]
    WHERE [MigrationId] = N'20261124004641_AgentConsole'
)
BEGIN
    CREATE TABLE [Problems] (
        [Id] bigint NOT NULL IDENTITY,
        [Title] nvarchar(200) NOT NULL,
        [Description] nvarchar(max) NOT NULL,
        [Status] nvarchar(32) NOT NULL,
        [RootCause] nvarchar(max) NULL,
        [Workaround] nvarchar(max) NULL,
        [CreatedBy] nvarchar(200) NOT NULL,
        [CreatedAt] datetimeoffset NOT NULL,
        [UpdatedAt] datetimeoffset NOT NULL,
        [ResolvedAt] datetimeoffset NULL,
        CONSTRAINT [PK_Problems] PRIMARY KEY ([Id])
    );
END;

IF NOT EXISTS (
    SELECT * FROM [__EFMigrationsHistory]
    WHERE [MigrationId] = N'20261124004641_AgentConsole'
)
BEGIN
    CREATE INDEX [IX_Tickets_MergedIntoTicketId] ON [Tickets] ([MergedIntoTicketId]);
END;

IF NOT EXISTS (
    SELECT * FROM [__EFMigrationsHistory]
    WHERE [MigrationId] = N'20261124004641_AgentConsole'
)
BEGIN
    CREATE INDEX [IX_Tickets_ProblemId] ON [Tickets] ([ProblemId]);
END;

IF NOT EXISTS (
    SELECT * FROM [__EFMigrationsHistory]
    WHERE [MigrationId] = N'20261124004641_AgentConsole'
)
BEGIN
    CREATE INDEX [IX_Handoffs_ConversationId_EndedAt] ON [Handoffs] ([ConversationId], [EndedAt]);
END;

IF NOT EXISTS (
    SELECT * FROM [__EFMigrationsHistory]
    WHERE [MigrationId] = N'20261124004641_AgentConsole'
)
BEGIN
    CREATE INDEX [IX_Handoffs_RequestedAt] ON [Handoffs] ([RequestedAt]);
END;

IF NOT EXISTS (
    SELECT * FROM [__EFMigrationsHistory]
    WHERE [MigrationId] = N'20261124004641_AgentConsole'
)
BEGIN
    CREATE INDEX [IX_Handoffs_TicketId] ON [Handoffs] ([TicketId]);
END;

IF NOT EXISTS (
    SELECT * FROM [__EFMigrationsHistory]
    WHERE [MigrationId] = N'20261124004641_AgentConsole'
)
BEGIN
    CREATE INDEX [IX_Problems_Status_UpdatedAt] ON [Problems] ([Status], [UpdatedAt]);
END;

IF NOT EXISTS (
    SELECT * FROM [__EFMigrationsHistory]
    WHERE [MigrationId] = N'20261124004641_AgentConsole'
)
BEGIN
    ALTER TABLE [Tickets] ADD CONSTRAINT [FK_Tickets_Problems_ProblemId] FOREIGN KEY ([ProblemId]) REFERENCES [Problems] ([Id]) ON DELETE NO ACTION;
END;

IF NOT EXISTS (
    SELECT * FROM [__EFMigrationsHistory]
    WHERE [MigrationId] = N'20261124004641_AgentConsole'
)
BEGIN
    ALTER TABLE [Tickets] ADD CONSTRAINT [FK_Tickets_Tickets_MergedIntoTicketId] FOREIGN KEY ([MergedIntoTicketId]) REFERENCES [Tickets] ([Id]) ON DELETE NO ACTION;
END;

IF NOT EXISTS (
    SELECT * FROM [__EFMigrationsHistory]
    WHERE [MigrationId] = N'20261124004641_AgentConsole'
)
BEGIN
    INSERT INTO [__EFMigrationsHistory] ([MigrationId], [ProductVersion])
    VALUES (N'20261124004641_AgentConsole', N'10.0.14');
END;

COMMIT;
GO

BEGIN TRANSACTION;
IF NOT EXISTS (
    SELECT * FROM [__EFMigrationsHistory]
    WHERE [MigrationId] = N'20261124021448_TeamsChannel'
)
BEGIN
    CREATE TABLE [TrustedServiceUrls] (
        [Id] bigint NOT NULL IDENTITY,
        [Channel] nvarchar(32) NOT NULL,
        [Url] nvarchar(512) NOT NULL,
        [FirstSeenAt] datetimeoffset NOT NULL,
        CONSTRAINT [PK_TrustedServiceUrls] PRIMARY KEY ([Id])
    );
END;

IF NOT EXISTS (
    SELECT * FROM [__EFMigrationsHistory]
    WHERE [MigrationId] = N'20261124021448_TeamsChannel'
)
BEGIN
    CREATE UNIQUE INDEX [IX_TrustedServiceUrls_Channel_Url] ON [TrustedServiceUrls] ([Channel], [Url]);
END;

IF NOT EXISTS (
    SELECT * FROM [__EFMigrationsHistory]
    WHERE [MigrationId] = N'20261124021448_TeamsChannel'
)
BEGIN
    INSERT INTO [__EFMigrationsHistory] ([MigrationId], [ProductVersion])
    VALUES (N'20261124021448_TeamsChannel', N'10.0.14');
END;

COMMIT;
GO

BEGIN TRANSACTION;
IF NOT EXISTS (
    SELECT * FROM [__EFMigrationsHistory]
    WHERE [MigrationId] = N'20261124023241_BotDialog'
)
BEGIN
    CREATE TABLE [KnowledgeArticles] (
        [Id] bigint NOT NULL IDENTITY,
        [Slug] nvarchar(100) NOT NULL,
        [Language] nvarchar(8) NOT NULL,
        [Title] nvarchar(200) NOT NULL,
        [Body] nvarchar(max) NOT NULL,
        [Keywords] nvarchar(1000) NOT NULL,
        [ServiceId] int NULL,
        [UpdatedAt] datetimeoffset NOT NULL,
        CONSTRAINT [PK_KnowledgeArticles] PRIMARY KEY ([Id]),
        CONSTRAINT [FK_KnowledgeArticles_Services_ServiceId] FOREIGN KEY ([ServiceId]) REFERENCES [Services] ([Id]) ON DELETE NO ACTION
    );
END;

IF NOT EXISTS (
    SELECT * FROM [__EFMigrationsHistory]
    WHERE [MigrationId] = N'20261124023241_BotDialog'
)
BEGIN
    CREATE TABLE [SatisfactionResponses] (
        [Id] bigint NOT NULL IDENTITY,
        [TicketId] bigint NOT NULL,
        [Rating] int NOT NULL,
        [Comment] nvarchar(2000) NULL,
        [Channel] nvarchar(32) NOT NULL,
        [RespondedAt] datetimeoffset NOT NULL,
        CONSTRAINT [PK_SatisfactionResponses] PRIMARY KEY ([Id]),
        CONSTRAINT [FK_SatisfactionResponses_Tickets_TicketId] FOREIGN KEY ([TicketId]) REFERENCES [Tickets] ([Id]) ON DELETE CASCADE
    );
END;

IF NOT EXISTS (
    SELECT * FROM [__EFMigrationsHistory]
    WHERE [MigrationId] = N'20261124023241_BotDialog'
)
BEGIN
    CREATE INDEX [IX_KnowledgeArticles_ServiceId] ON [KnowledgeArticles] ([ServiceId]);
END;

IF NOT EXISTS (
    SELECT * FROM [__EFMigrationsHistory]
    WHERE [MigrationId] = N'20261124023241_BotDialog'
)
BEGIN
    CREATE UNIQUE INDEX [IX_KnowledgeArticles_Slug_Language] ON [KnowledgeArticles] ([Slug], [Language]);
END;

IF NOT EXISTS (
    SELECT * FROM [__EFMigrationsHistory]
    WHERE [MigrationId] = N'20261124023241_BotDialog'
)
BEGIN
    CREATE UNIQUE INDEX [IX_SatisfactionResponses_TicketId] ON [SatisfactionResponses] ([TicketId]);
END;

IF NOT EXISTS (
    SELECT * FROM [__EFMigrationsHistory]
    WHERE [MigrationId] = N'20261124023241_BotDialog'
)
BEGIN
    INSERT INTO [__EFMigrationsHistory] ([MigrationId], [ProductVersion])
    VALUES (N'20261124023241_BotDialog', N'10.0.14');
END;

COMMIT;
GO

BEGIN TRANSACTION;
IF NOT EXISTS (
    SELECT * FROM [__EFMigrationsHistory]
    WHERE [MigrationId] = N'20261124031952_EmailChannel'
)
BEGIN
    CREATE TABLE [Attachments] (
        [Sha256] nvarchar(64) NOT NULL,
        [ContentType] nvarchar(200) NOT NULL,
        [Size] bigint NOT NULL,
        [Content] varbinary(max) NOT NULL,
        [CreatedAt] datetimeoffset NOT NULL,
        CONSTRAINT [PK_Attachments] PRIMARY KEY ([Sha256])
    );
END;

IF NOT EXISTS (
    SELECT * FROM [__EFMigrationsHistory]
    WHERE [MigrationId] = N'20261124031952_EmailChannel'
)
BEGIN
    CREATE TABLE [SourceCheckpoints] (
        [Source] nvarchar(400) NOT NULL,
        [Generation] bigint NOT NULL,
        [Position] bigint NOT NULL,
        [LeaseOwner] nvarchar(200) NULL,
        [LeaseExpiresAt] datetimeoffset NULL,
        [UpdatedAt] datetimeoffset NOT NULL,
        CONSTRAINT [PK_SourceCheckpoints] PRIMARY KEY ([Source])
    );
END;

IF NOT EXISTS (
    SELECT * FROM [__EFMigrationsHistory]
    WHERE [MigrationId] = N'20261124031952_EmailChannel'
)
BEGIN
    INSERT INTO [__EFMigrationsHistory] ([MigrationId], [ProductVersion])
    VALUES (N'20261124031952_EmailChannel', N'10.0.14');
END;

COMMIT;
GO

BEGIN TRANSACTION;
IF NOT EXISTS (
    SELECT * FROM [__EFMigrationsHistory]
    WHERE [MigrationId] = N'20261124050914_ReviewFixes'
)
BEGIN
    ALTER TABLE [ContactIdentities] ADD [SoftBounces] int NOT NULL DEFAULT 0;
END;

IF NOT EXISTS (
    SELECT * FROM [__EFMigrationsHistory]
    WHERE [MigrationId] = N'20261124050914_ReviewFixes'
)
BEGIN
    CREATE TABLE [ObservedBaseUrls] (
        [Channel] nvarchar(32) NOT NULL,
        [Url] nvarchar(512) NOT NULL,
        [SeenAt] datetimeoffset NOT NULL,
        CONSTRAINT [PK_ObservedBaseUrls] PRIMARY KEY ([Channel])
    );
END;

IF NOT EXISTS (
    SELECT * FROM [__EFMigrationsHistory]
    WHERE [MigrationId] = N'20261124050914_ReviewFixes'
)
BEGIN
    INSERT INTO [__EFMigrationsHistory] ([MigrationId], [ProductVersion])
    VALUES (N'20261124050914_ReviewFixes', N'10.0.14');
END;

COMMIT;
GO

BEGIN TRANSACTION;
IF NOT EXISTS (
    SELECT * FROM [__EFMigrationsHistory]
    WHERE [MigrationId] = N'20261124132543_MailKb'
)
BEGIN
    ALTER TABLE [Tickets] ADD [AutomaticNoticesSuppressed] bit NOT NULL DEFAULT CAST(0 AS bit);
END;

IF NOT EXISTS (
    SELECT * FROM [__EFMigrationsHistory]
    WHERE [MigrationId] = N'20261124132543_MailKb'
)
BEGIN
    ALTER TABLE [KnowledgeArticles] ADD [RetiredAt] datetimeoffset NULL;
END;

IF NOT EXISTS (
    SELECT * FROM [__EFMigrationsHistory]
    WHERE [MigrationId] = N'20261124132543_MailKb'
)
BEGIN
    ALTER TABLE [KnowledgeArticles] ADD [Version] int NOT NULL DEFAULT 0;
END;

IF NOT EXISTS (
    SELECT * FROM [__EFMigrationsHistory]
    WHERE [MigrationId] = N'20261124132543_MailKb'
)
BEGIN
    INSERT INTO [__EFMigrationsHistory] ([MigrationId], [ProductVersion])
    VALUES (N'20261124132543_MailKb', N'10.0.14');
END;

COMMIT;
GO

BEGIN TRANSACTION;
IF NOT EXISTS (
    SELECT * FROM [__EFMigrationsHistory]
    WHERE [MigrationId] = N'20261124143352_TeamsDurable'
)
BEGIN
    ALTER TABLE [Outbox] ADD [Payload] nvarchar(max) NULL;
END;

IF NOT EXISTS (
    SELECT * FROM [__EFMigrationsHistory]
    WHERE [MigrationId] = N'20261124143352_TeamsDurable'
)
BEGIN
    INSERT INTO [__EFMigrationsHistory] ([MigrationId], [ProductVersion])
    VALUES (N'20261124143352_TeamsDurable', N'10.0.14');
END;

COMMIT;
GO

BEGIN TRANSACTION;
IF NOT EXISTS (
    SELECT * FROM [__EFMigrationsHistory]
    WHERE [MigrationId] = N'20261124171309_SlaEscalation'
)
BEGIN
    ALTER TABLE [Tickets] ADD [FirstResponseWarningAt] datetimeoffset NULL;
END;

IF NOT EXISTS (
    SELECT * FROM [__EFMigrationsHistory]
    WHERE [MigrationId] = N'20261124171309_SlaEscalation'
)
BEGIN
    ALTER TABLE [Tickets] ADD [ResolutionWarningAt] datetimeoffset NULL;
END;

IF NOT EXISTS (
    SELECT * FROM [__EFMigrationsHistory]
    WHERE [MigrationId] = N'20261124171309_SlaEscalation'
)
BEGIN
    ALTER TABLE [AssignmentGroups] ADD [Email] nvarchar(320) NULL;
END;

IF NOT EXISTS (
    SELECT * FROM [__EFMigrationsHistory]
    WHERE [MigrationId] = N'20261124171309_SlaEscalation'
)
BEGIN
    CREATE INDEX [IX_Tickets_Status_FirstResponseWarningAt] ON [Tickets] ([Status], [FirstResponseWarningAt]);
END;

IF NOT EXISTS (
    SELECT * FROM [__EFMigrationsHistory]
    WHERE [MigrationId] = N'20261124171309_SlaEscalation'
)
BEGIN
    CREATE INDEX [IX_Tickets_Status_ResolutionWarningAt] ON [Tickets] ([Status], [ResolutionWarningAt]);
END;

IF NOT EXISTS (
    SELECT * FROM [__EFMigrationsHistory]
    WHERE [MigrationId] = N'20261124171309_SlaEscalation'
)
BEGIN
    INSERT INTO [__EFMigrationsHistory] ([MigrationId], [ProductVersion])
    VALUES (N'20261124171309_SlaEscalation', N'10.0.14');
END;

COMMIT;
GO

BEGIN TRANSACTION;
IF NOT EXISTS (
    SELECT * FROM [__EFMigrationsHistory]
    WHERE [MigrationId] = N'20261124200703_PendingReminders'
)
BEGIN
    ALTER TABLE [Tickets] ADD [PendingReminderSentAt] datetimeoffset NULL;
END;

IF NOT EXISTS (
    SELECT * FROM [__EFMigrationsHistory]
    WHERE [MigrationId] = N'20261124200703_PendingReminders'
)
BEGIN
    ALTER TABLE [Tickets] ADD [PendingRemindersSent] int NOT NULL DEFAULT 0;
END;

IF NOT EXISTS (
    SELECT * FROM [__EFMigrationsHistory]
    WHERE [MigrationId] = N'20261124200703_PendingReminders'
)
BEGIN
    INSERT INTO [__EFMigrationsHistory] ([MigrationId], [ProductVersion])
    VALUES (N'20261124200703_PendingReminders', N'10.0.14');
END;

COMMIT;
GO

