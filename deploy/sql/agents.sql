IF OBJECT_ID(N'[__AgentMigrationsHistory]') IS NULL
BEGIN
    CREATE TABLE [__AgentMigrationsHistory] (
        [MigrationId] nvarchar(150) NOT NULL,
        [ProductVersion] nvarchar(32) NOT NULL,
        CONSTRAINT [PK___AgentMigrationsHistory] PRIMARY KEY ([MigrationId])
    );
END;
GO

BEGIN TRANSACTION;
IF NOT EXISTS (
    SELECT * FROM [__AgentMigrationsHistory]
    WHERE [MigrationId] = N'20261124005712_AgentConsole'
)
BEGIN
    CREATE TABLE [AgentRoles] (
        [Id] nvarchar(450) NOT NULL,
        [Name] nvarchar(256) NULL,
        [NormalizedName] nvarchar(256) NULL,
        [ConcurrencyStamp] nvarchar(max) NULL,
        CONSTRAINT [PK_AgentRoles] PRIMARY KEY ([Id])
    );
END;

IF NOT EXISTS (
    SELECT * FROM [__AgentMigrationsHistory]
    WHERE [MigrationId] = N'20261124005712_AgentConsole'
)
BEGIN
    CREATE TABLE [AgentUsers] (
        [Id] nvarchar(450) NOT NULL,
        [DisplayName] nvarchar(200) NOT NULL,
        [UserName] nvarchar(256) NULL,
        [NormalizedUserName] nvarchar(256) NULL,
        [Email] nvarchar(256) NULL,
        [NormalizedEmail] nvarchar(256) NULL,
        [EmailConfirmed] bit NOT NULL,
        [PasswordHash] nvarchar(max) NULL,
        [SecurityStamp] nvarchar(max) NULL,
        [ConcurrencyStamp] nvarchar(max) NULL,
        [PhoneNumber] nvarchar(max) NULL,
        [PhoneNumberConfirmed] bit NOT NULL,
        [TwoFactorEnabled] bit NOT NULL,
        [LockoutEnd] datetimeoffset NULL,
        [LockoutEnabled] bit NOT NULL,
        [AccessFailedCount] int NOT NULL,
        CONSTRAINT [PK_AgentUsers] PRIMARY KEY ([Id])
    );
END;

IF NOT EXISTS (
    SELECT * FROM [__AgentMigrationsHistory]
    WHERE [MigrationId] = N'20261124005712_AgentConsole'
)
BEGIN
    CREATE TABLE [AgentRoleClaims] (
        [Id] int NOT NULL IDENTITY,
        [RoleId] nvarchar(450) NOT NULL,
        [ClaimType] nvarchar(max) NULL,
        [ClaimValue] nvarchar(max) NULL,
        CONSTRAINT [PK_AgentRoleClaims] PRIMARY KEY ([Id]),
        CONSTRAINT [FK_AgentRoleClaims_AgentRoles_RoleId] FOREIGN KEY ([RoleId]) REFERENCES [AgentRoles] ([Id]) ON DELETE CASCADE
    );
END;

IF NOT EXISTS (
    SELECT * FROM [__AgentMigrationsHistory]
    WHERE [MigrationId] = N'20261124005712_AgentConsole'
)
BEGIN
    CREATE TABLE [AgentUserClaims] (
        [Id] int NOT NULL IDENTITY,
        [UserId] nvarchar(450) NOT NULL,
        [ClaimType] nvarchar(max) NULL,
        [ClaimValue] nvarchar(max) NULL,
        CONSTRAINT [PK_AgentUserClaims] PRIMARY KEY ([Id]),
        CONSTRAINT [FK_AgentUserClaims_AgentUsers_UserId] FOREIGN KEY ([UserId]) REFERENCES [AgentUsers] ([Id]) ON DELETE CASCADE
    );
END;

IF NOT EXISTS (
    SELECT * FROM [__AgentMigrationsHistory]
    WHERE [MigrationId] = N'20261124005712_AgentConsole'
)
BEGIN
    CREATE TABLE [AgentUserLogins] (
        [LoginProvider] nvarchar(450) NOT NULL,
        [ProviderKey] nvarchar(450) NOT NULL,
        [ProviderDisplayName] nvarchar(max) NULL,
        [UserId] nvarchar(450) NOT NULL,
        CONSTRAINT [PK_AgentUserLogins] PRIMARY KEY ([LoginProvider], [ProviderKey]),
        CONSTRAINT [FK_AgentUserLogins_AgentUsers_UserId] FOREIGN KEY ([UserId]) REFERENCES [AgentUsers] ([Id]) ON DELETE CASCADE
    );
END;

IF NOT EXISTS (
    SELECT * FROM [__AgentMigrationsHistory]
    WHERE [MigrationId] = N'20261124005712_AgentConsole'
)
BEGIN
    CREATE TABLE [AgentUserRoles] (
        [UserId] nvarchar(450) NOT NULL,
        [RoleId] nvarchar(450) NOT NULL,
        CONSTRAINT [PK_AgentUserRoles] PRIMARY KEY ([UserId], [RoleId]),
        CONSTRAINT [FK_AgentUserRoles_AgentRoles_RoleId] FOREIGN KEY ([RoleId]) REFERENCES [AgentRoles] ([Id]) ON DELETE CASCADE,
        CONSTRAINT [FK_AgentUserRoles_AgentUsers_UserId] FOREIGN KEY ([UserId]) REFERENCES [AgentUsers] ([Id]) ON DELETE CASCADE
    );
END;

IF NOT EXISTS (
    SELECT * FROM [__AgentMigrationsHistory]
    WHERE [MigrationId] = N'20261124005712_AgentConsole'
)
BEGIN
    CREATE TABLE [AgentUserTokens] (
        [UserId] nvarchar(450) NOT NULL,
        [LoginProvider] nvarchar(450) NOT NULL,
        [Name] nvarchar(450) NOT NULL,
        [Value] nvarchar(max) NULL,
        CONSTRAINT [PK_AgentUserTokens] PRIMARY KEY ([UserId], [LoginProvider], [Name]),
        CONSTRAINT [FK_AgentUserTokens_AgentUsers_UserId] FOREIGN KEY ([UserId]) REFERENCES [AgentUsers] ([Id]) ON DELETE CASCADE
    );
END;

IF NOT EXISTS (
    SELECT * FROM [__AgentMigrationsHistory]
    WHERE [MigrationId] = N'20261124005712_AgentConsole'
)
BEGIN
    CREATE INDEX [IX_AgentRoleClaims_RoleId] ON [AgentRoleClaims] ([RoleId]);
END;

IF NOT EXISTS (
    SELECT * FROM [__AgentMigrationsHistory]
    WHERE [MigrationId] = N'20261124005712_AgentConsole'
)
BEGIN
    EXEC(N'CREATE UNIQUE INDEX [RoleNameIndex] ON [AgentRoles] ([NormalizedName]) WHERE [NormalizedName] IS NOT NULL');
END;

IF NOT EXISTS (
    SELECT * FROM [__AgentMigrationsHistory]
    WHERE [MigrationId] = N'20261124005712_AgentConsole'
)
BEGIN
    CREATE INDEX [IX_AgentUserClaims_UserId] ON [AgentUserClaims] ([UserId]);
END;

IF NOT EXISTS (
    SELECT * FROM [__AgentMigrationsHistory]
    WHERE [MigrationId] = N'20261124005712_AgentConsole'
)
BEGIN
    CREATE INDEX [IX_AgentUserLogins_UserId] ON [AgentUserLogins] ([UserId]);
END;

IF NOT EXISTS (
    SELECT * FROM [__AgentMigrationsHistory]
    WHERE [MigrationId] = N'20261124005712_AgentConsole'
)
BEGIN
    CREATE INDEX [IX_AgentUserRoles_RoleId] ON [AgentUserRoles] ([RoleId]);
END;

IF NOT EXISTS (
    SELECT * FROM [__AgentMigrationsHistory]
    WHERE [MigrationId] = N'20261124005712_AgentConsole'
)
BEGIN
    CREATE INDEX [EmailIndex] ON [AgentUsers] ([NormalizedEmail]);
END;

IF NOT EXISTS (
    SELECT * FROM [__AgentMigrationsHistory]
    WHERE [MigrationId] = N'20261124005712_AgentConsole'
)
BEGIN
    EXEC(N'CREATE UNIQUE INDEX [UserNameIndex] ON [AgentUsers] ([NormalizedUserName]) WHERE [NormalizedUserName] IS NOT NULL');
END;

IF NOT EXISTS (
    SELECT * FROM [__AgentMigrationsHistory]
    WHERE [MigrationId] = N'20261124005712_AgentConsole'
)
BEGIN
    INSERT INTO [__AgentMigrationsHistory] ([MigrationId], [ProductVersion])
    VALUES (N'20261124005712_AgentConsole', N'10.0.14');
END;

COMMIT;
GO

BEGIN TRANSACTION;
IF NOT EXISTS (
    SELECT * FROM [__AgentMigrationsHistory]
    WHERE [MigrationId] = N'20261124033008_ScaleOut'
)
BEGIN
    CREATE TABLE [DataProtectionKeys] (
        [Id] int NOT NULL IDENTITY,
        [FriendlyName] nvarchar(max) NULL,
        [Xml] nvarchar(max) NULL,
        CONSTRAINT [PK_DataProtectionKeys] PRIMARY KEY ([Id])
    );
END;

IF NOT EXISTS (
    SELECT * FROM [__AgentMigrationsHistory]
    WHERE [MigrationId] = N'20261124033008_ScaleOut'
)
BEGIN
    INSERT INTO [__AgentMigrationsHistory] ([MigrationId], [ProductVersion])
    VALUES (N'20261124033008_ScaleOut', N'10.0.14');
END;

COMMIT;
GO

