// ServiceDesk on Azure: a single-tenant Azure Bot with the Teams channel, a Linux App Service running the
// desk (.NET 10 code or a container image), Azure SQL for the desk's data and Hangfire's job storage, and
// Key Vault holding every secret, read by the app through Key Vault references with a managed identity.
//
//   az deployment group create -g <resource group> -f deploy/azure/main.bicep -p deploy/azure/main.bicepparam
//
// The bot's Entra app registration (single tenant, with a client secret) is created beforehand: Bicep
// cannot create app registrations. See deploy/azure/README.md.

@minLength(3)
@maxLength(11)
@description('Lower-case letters and digits starting every resource name; names that must be unique in Azure get a suffix derived from the resource group.')
param baseName string

@description('Region of every resource but the bot (which is global).')
param location string = resourceGroup().location

@description('Application (client) ID of the bot\'s single-tenant Entra app registration.')
param botAppId string

@secure()
@description('A client secret of that app registration.')
param botAppPassword string

@description('Tenant of the app registration; the deployment\'s tenant by default.')
param botTenantId string = tenant().tenantId

@maxLength(42)
@description('The bot\'s display name in Azure.')
param botDisplayName string = 'Service Desk'

@allowed([
  'F0'
  'S1'
])
@description('Azure Bot pricing tier: F0 is free with a message quota on premium channels; Teams is a standard channel.')
param botSku string = 'F0'

@description('App Service plan SKU (Linux). Basic or higher: the desk needs Always On for its background jobs.')
param appServicePlanSku string = 'B1'

@description('Container image to run, e.g. myregistry.azurecr.io/servicedesk:1.0 (public, or with registry credentials set on the app). Empty: the app runs .NET 10 code deployed with zip deploy.')
param containerImage string = ''

@description('SQL authentication login of the Azure SQL server\'s administrator, which the desk connects as.')
param sqlAdministratorLogin string = 'servicedesk'

@secure()
@description('Password of that login, without semicolons (it goes into the connection string).')
param sqlAdministratorPassword string

@description('Optional Entra administrator of the SQL server (user or group display name); empty: none.')
param sqlEntraAdminLogin string = ''

@description('Object ID of that Entra user or group.')
param sqlEntraAdminObjectId string = ''

@description('Azure SQL database SKU, e.g. S0, S1, GP_S_Gen5_1 (serverless).')
param sqlDatabaseSku string = 'S0'

@description('Desk:Name: the desk\'s name in messages.')
param deskName string = 'Service Desk'

@allowed([
  'es'
  'en'
])
@description('Desk:DefaultLanguage.')
param deskDefaultLanguage string = 'es'

@description('Desk:TicketPrefix: ticket numbers look like SD-1042.')
param ticketPrefix string = 'SD'

@secure()
@description('Api:Keys:0, a key for the tickets REST API (X-Api-Key); empty: none.')
param apiKey string = ''

@description('Agents:Bootstrap:Email, the first agent, created when no agent exists; empty: none.')
param bootstrapAgentEmail string = ''

@secure()
@description('Agents:Bootstrap:Password.')
param bootstrapAgentPassword string = ''

@description('Channels:Email:Address, the desk\'s mailbox; empty leaves the e-mail channel off.')
param emailAddress string = ''

@description('Channels:Email:Imap:Host.')
param emailImapHost string = ''

@description('Channels:Email:Imap:Username.')
param emailImapUsername string = ''

@secure()
@description('Channels:Email:Imap:Password.')
param emailImapPassword string = ''

@description('Channels:Email:Smtp:Host.')
param emailSmtpHost string = ''

@description('Channels:Email:Smtp:Username.')
param emailSmtpUsername string = ''

@secure()
@description('Channels:Email:Smtp:Password.')
param emailSmtpPassword string = ''

@description('Channels:Sms:Twilio:AccountSid; empty leaves the SMS channel off.')
param twilioAccountSid string = ''

@secure()
@description('Channels:Sms:Twilio:AuthToken.')
param twilioAuthToken string = ''

@description('Channels:Sms:Twilio:FromNumber (E.164).')
param twilioFromNumber string = ''

@description('More app settings, name to value (contract keys with __ for :), e.g. {"Channels__Email__Imap__Port": "993"}.')
param extraAppSettings object = {}

var suffix = uniqueString(resourceGroup().id)
var webAppName = '${baseName}-${suffix}'
var sqlServerName = 'sql-${baseName}-${suffix}'
var sqlDatabaseName = 'servicedesk'
// Built-in role "Key Vault Secrets User": read secret values, nothing else.
var keyVaultSecretsUserRole = '4633458b-17de-408a-b874-0445c86b69e6'

// Every secret goes to Key Vault under the name of its setting (`--` for `__`); an empty one is left out.
var secretSettings = filter(
  items({
    // The server's host name is known before it exists, which the secrets' loop needs.
    ConnectionStrings__ServiceDesk: 'Server=tcp:${sqlServerName}${environment().suffixes.sqlServerHostname},1433;Database=${sqlDatabaseName};User ID=${sqlAdministratorLogin};Password=${sqlAdministratorPassword};Encrypt=True;TrustServerCertificate=False;Connection Timeout=30'
    Channels__Teams__MicrosoftAppPassword: botAppPassword
    Api__Keys__0: apiKey
    Agents__Bootstrap__Password: bootstrapAgentPassword
    Channels__Email__Imap__Password: emailImapPassword
    Channels__Email__Smtp__Password: emailSmtpPassword
    Channels__Sms__Twilio__AuthToken: twilioAuthToken
  }),
  setting => !empty(setting.value)
)

var plainSettings = union(
  {
    Database__Provider: 'SqlServer'
    Database__MigrateOnStartup: 'true'
    Desk__Name: deskName
    Desk__DefaultLanguage: deskDefaultLanguage
    Desk__TicketPrefix: ticketPrefix
    Channels__Teams__MicrosoftAppId: botAppId
    Channels__Teams__MicrosoftAppTenantId: botTenantId
    Channels__Teams__MicrosoftAppType: 'SingleTenant'
    // /home is the App Service's persistent storage, kept across restarts and shared by instances.
    SERVICEDESK_DATA: '/home/servicedesk'
  },
  empty(containerImage)
    ? {}
    : {
        WEBSITES_PORT: '8080'
        WEBSITES_ENABLE_APP_SERVICE_STORAGE: 'true'
      },
  toObject(
    filter(
      items({
        Agents__Bootstrap__Email: bootstrapAgentEmail
        Channels__Email__Address: emailAddress
        Channels__Email__Imap__Host: emailImapHost
        Channels__Email__Imap__Username: emailImapUsername
        Channels__Email__Smtp__Host: emailSmtpHost
        Channels__Email__Smtp__Username: emailSmtpUsername
        Channels__Sms__Twilio__AccountSid: twilioAccountSid
        Channels__Sms__Twilio__FromNumber: twilioFromNumber
        Channels__Sms__Twilio__PublicBaseUrl: empty(twilioAccountSid) ? '' : 'https://${webAppName}.azurewebsites.net'
      }),
      setting => !empty(setting.value)
    ),
    setting => setting.key,
    setting => setting.value
  ),
  extraAppSettings
)

resource identity 'Microsoft.ManagedIdentity/userAssignedIdentities@2023-01-31' = {
  name: '${baseName}-id'
  location: location
}

resource keyVault 'Microsoft.KeyVault/vaults@2023-07-01' = {
  name: take('kv-${baseName}-${suffix}', 24)
  location: location
  properties: {
    tenantId: subscription().tenantId
    sku: {
      family: 'A'
      name: 'standard'
    }
    enableRbacAuthorization: true
    enableSoftDelete: true
    softDeleteRetentionInDays: 90
  }
}

resource secrets 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = [
  for setting in secretSettings: {
    parent: keyVault
    name: replace(setting.key, '__', '--')
    properties: {
      value: setting.value
    }
  }
]

resource secretsReader 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(keyVault.id, identity.id, keyVaultSecretsUserRole)
  scope: keyVault
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', keyVaultSecretsUserRole)
    principalId: identity.properties.principalId
    principalType: 'ServicePrincipal'
  }
}

resource sqlServer 'Microsoft.Sql/servers@2023-08-01' = {
  name: sqlServerName
  location: location
  properties: {
    administratorLogin: sqlAdministratorLogin
    administratorLoginPassword: sqlAdministratorPassword
    administrators: empty(sqlEntraAdminObjectId)
      ? null
      : {
          administratorType: 'ActiveDirectory'
          login: sqlEntraAdminLogin
          sid: sqlEntraAdminObjectId
          tenantId: subscription().tenantId
          principalType: 'Group'
          azureADOnlyAuthentication: false
        }
    minimalTlsVersion: '1.2'
    publicNetworkAccess: 'Enabled'
    version: '12.0'
  }
}

// 0.0.0.0 to 0.0.0.0 is Azure's rule for "Azure services", which App Service's outbound addresses are.
resource sqlFirewallAzure 'Microsoft.Sql/servers/firewallRules@2023-08-01' = {
  parent: sqlServer
  name: 'AllowAllWindowsAzureIps'
  properties: {
    startIpAddress: '0.0.0.0'
    endIpAddress: '0.0.0.0'
  }
}

resource sqlDatabase 'Microsoft.Sql/servers/databases@2023-08-01' = {
  parent: sqlServer
  name: sqlDatabaseName
  location: location
  sku: {
    name: sqlDatabaseSku
  }
  properties: {
    collation: 'SQL_Latin1_General_CP1_CI_AS'
  }
}

resource plan 'Microsoft.Web/serverfarms@2024-04-01' = {
  name: '${baseName}-plan'
  location: location
  kind: 'linux'
  sku: {
    name: appServicePlanSku
  }
  properties: {
    reserved: true
  }
}

resource webApp 'Microsoft.Web/sites@2024-04-01' = {
  name: webAppName
  location: location
  kind: empty(containerImage) ? 'app,linux' : 'app,linux,container'
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: {
      '${identity.id}': {}
    }
  }
  properties: {
    serverFarmId: plan.id
    httpsOnly: true
    keyVaultReferenceIdentity: identity.id
    siteConfig: {
      linuxFxVersion: empty(containerImage) ? 'DOTNETCORE|10.0' : 'DOCKER|${containerImage}'
      appCommandLine: empty(containerImage) ? 'dotnet ServiceDesk.Bot.dll' : ''
      alwaysOn: true
      healthCheckPath: '/healthz'
      http20Enabled: true
      // The agent console's live updates (SignalR) use WebSockets.
      webSocketsEnabled: true
      minTlsVersion: '1.2'
      ftpsState: 'Disabled'
    }
  }
}

// Settings are applied once the secrets exist and the identity may read them, so every Key Vault
// reference resolves on the app's first start.
resource webAppSettings 'Microsoft.Web/sites/config@2024-04-01' = {
  parent: webApp
  name: 'appsettings'
  properties: union(
    plainSettings,
    toObject(
      secretSettings,
      setting => setting.key,
      setting =>
        '@Microsoft.KeyVault(SecretUri=${keyVault.properties.vaultUri}secrets/${replace(setting.key, '__', '--')})'
    )
  )
  dependsOn: [
    secrets
    secretsReader
    sqlDatabase
    sqlFirewallAzure
  ]
}

resource bot 'Microsoft.BotService/botServices@2022-09-15' = {
  name: '${baseName}-bot-${suffix}'
  location: 'global'
  kind: 'azurebot'
  sku: {
    name: botSku
  }
  properties: {
    displayName: botDisplayName
    endpoint: 'https://${webApp.properties.defaultHostName}/api/messages'
    msaAppId: botAppId
    msaAppType: 'SingleTenant'
    msaAppTenantId: botTenantId
  }
}

resource teamsChannel 'Microsoft.BotService/botServices/channels@2022-09-15' = {
  parent: bot
  name: 'MsTeamsChannel'
  location: 'global'
  properties: {
    channelName: 'MsTeamsChannel'
    properties: {
      isEnabled: true
    }
  }
}

@description('The desk\'s public address.')
output appUrl string = 'https://${webApp.properties.defaultHostName}'

@description('The web app, for zip deploy.')
output webAppName string = webApp.name

@description('The messaging endpoint registered on the bot.')
output botEndpoint string = bot.properties.endpoint

@description('Where the secrets are: update one there, and the app picks it up within a day or on restart.')
output keyVaultName string = keyVault.name

@description('The Azure SQL server, for deploy/sql/servicedesk.sql when migrating at start-up is off.')
output sqlServerName string = sqlServer.properties.fullyQualifiedDomainName
