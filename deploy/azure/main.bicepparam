// Parameters for main.bicep; the identifiers and secrets come from the environment, never from this file:
//   export SERVICEDESK_BOT_APP_ID=… SERVICEDESK_BOT_APP_PASSWORD=… SERVICEDESK_SQL_PASSWORD=…
//   az deployment group create -g <resource group> -f deploy/azure/main.bicep -p deploy/azure/main.bicepparam
using 'main.bicep'

param baseName = 'servicedesk'
param botAppId = readEnvironmentVariable('SERVICEDESK_BOT_APP_ID')
param botAppPassword = readEnvironmentVariable('SERVICEDESK_BOT_APP_PASSWORD')
param sqlAdministratorPassword = readEnvironmentVariable('SERVICEDESK_SQL_PASSWORD')
param apiKey = readEnvironmentVariable('SERVICEDESK_API_KEY', '')
param deskName = 'Service Desk'
param deskDefaultLanguage = 'es'
