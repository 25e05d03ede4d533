#!/usr/bin/env bash
# Runs the benchmarks and writes Markdown + JSON reports under bench/results/.
# ./bench/run.sh [--messages N] [--writers N] [--activities N] [--webhooks N] [--concurrency N] [--queries N] [--only intake|teams|sms|knowledge|sqlite|postgresql]
set -euo pipefail
cd "$(dirname "$0")/.."

if ! compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null; then
  if [[ $(id -u) -ne 0 ]]; then
    echo "bench/run.sh: PostgreSQL server binaries are missing (apt-get install postgresql)" >&2
    exit 1
  fi
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends postgresql >/dev/null
fi

dotnet build -c Release --nologo -v quiet bench/ServiceDesk.Bench
# The Teams benchmark runs the desk as its own process, as it runs in production.
dotnet build -c Release --nologo -v quiet ServiceDesk.Bot
dotnet bench/ServiceDesk.Bench/bin/Release/net10.0/ServiceDesk.Bench.dll --out bench/results "$@"
