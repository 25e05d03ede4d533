#!/usr/bin/env bash
# Regenerates deploy/sql/servicedesk.sql, the idempotent SQL Server schema script, from the SQL Server
# migrations. Run it after adding a migration: deploy/sql/generate.sh
set -euo pipefail
cd "$(dirname "$0")/../.."

dotnet tool restore >/dev/null
dotnet build ServiceDesk.Bot --nologo -v quiet
dotnet ef migrations script --idempotent --no-build \
  --context SqlServerServiceDeskDbContext --project ServiceDesk.Core --startup-project ServiceDesk.Bot \
  --output deploy/sql/servicedesk.sql
# Agent accounts (ASP.NET Core Identity) have migrations of their own, in the host.
dotnet ef migrations script --idempotent --no-build \
  --context SqlServerAgentIdentityDbContext --project ServiceDesk.Bot --startup-project ServiceDesk.Bot \
  --output deploy/sql/agents.sql
echo "deploy/sql/servicedesk.sql and deploy/sql/agents.sql regenerated"
