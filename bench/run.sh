#!/usr/bin/env bash
# Runs the benchmarks and writes Markdown + JSON reports under bench/results/.
# ./bench/run.sh [--messages N] [--writers N] [--activities N] [--warmup N] [--webhooks N] [--concurrency N] [--queries N] [--email-messages N] [--jobs N] [--rate N]
#                 [--only jobs|intake|teams|teams-sqlite|teams-postgresql|teams-typing|sms|sms-sqlite|sms-postgresql|knowledge|email|sqlite|postgresql]
# The e-mail benchmark starts its own Postfix and Dovecot (root needed, as for ./test.sh).
set -euo pipefail
cd "$(dirname "$0")/.."

packages=()
compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null || packages+=(postgresql)
[[ -x /usr/lib/dovecot/imap && -x /usr/lib/dovecot/lmtp ]] || packages+=(dovecot-imapd dovecot-lmtpd)
[[ -x /usr/sbin/postfix ]] || packages+=(postfix)
if ((${#packages[@]})); then
  if [[ $(id -u) -ne 0 ]]; then
    echo "bench/run.sh: missing Debian packages: ${packages[*]} (run as root, or install them first)" >&2
    exit 1
  fi
  echo "postfix postfix/main_mailer_type select No configuration" | debconf-set-selections
  no_services=""
  if [[ ! -e /usr/sbin/policy-rc.d ]]; then
    printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d && no_services=1
  fi
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${packages[@]}" >/dev/null
  [[ -z $no_services ]] || rm -f /usr/sbin/policy-rc.d
fi

dotnet build -c Release --nologo -v quiet bench/ServiceDesk.Bench
# The Teams benchmark runs the desk as its own process, as it runs in production.
dotnet build -c Release --nologo -v quiet ServiceDesk.Bot
dotnet bench/ServiceDesk.Bench/bin/Release/net10.0/ServiceDesk.Bench.dll --out bench/results "$@"
