#!/usr/bin/env bash
# Installs what the test suite needs, then runs it: ./test.sh [extra dotnet test arguments]
# The exit status is the verdict. Tests start their own servers on 127.0.0.1 and stop them.
set -euo pipefail
cd "$(dirname "$0")"

packages=()
compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null || packages+=(postgresql)
command -v runuser >/dev/null || packages+=(util-linux)
command -v zip >/dev/null || packages+=(zip)          # deploy/teams/package.sh
command -v python3 >/dev/null || packages+=(python3)  # deploy/teams/icons.py
# The agent console's browser tests drive Debian's chromium through Playwright (no browser download).
[[ -x /usr/bin/chromium ]] || packages+=(chromium)
command -v node >/dev/null || packages+=(nodejs)
command -v npm >/dev/null || packages+=(npm)
# The e-mail tests' mail system: Dovecot (IMAP, LMTP) and Postfix (SMTP), started by the tests themselves.
[[ -x /usr/lib/dovecot/imap && -x /usr/lib/dovecot/lmtp ]] || packages+=(dovecot-imapd dovecot-lmtpd)
[[ -x /usr/sbin/postfix ]] || packages+=(postfix)

if ((${#packages[@]})); then
  if [[ $(id -u) -ne 0 ]]; then
    echo "test.sh: missing Debian packages: ${packages[*]} (run as root, or install them first)" >&2
    exit 1
  fi
  echo "test.sh: installing ${packages[*]}"
  # Installed for the tests only: no system mail server configured, no service started by the package.
  echo "postfix postfix/main_mailer_type select No configuration" | debconf-set-selections
  no_services=""
  if [[ ! -e /usr/sbin/policy-rc.d ]]; then
    printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d && no_services=1
  fi
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${packages[@]}" >/dev/null
  [[ -z $no_services ]] || rm -f /usr/sbin/policy-rc.d
fi

# npm packages the tests run (schemas, validators, the Direct Line client and emulator, Twilio's Node library, Stoplight Prism), pinned by tests/peers/package-lock.json.
# Install scripts stay off: the only ones are telemetry pings.
# A copy of the lock file marks what is installed, so a changed lock file reinstalls.
if ! cmp -s tests/peers/package-lock.json tests/peers/node_modules/.installed-lock.json; then
  echo "test.sh: installing npm peers"
  (cd tests/peers && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error && cp package-lock.json node_modules/.installed-lock.json)
fi

results=$(mktemp -d)
trap 'rm -rf "$results"' EXIT
status=0
dotnet test ServiceDesk.sln --nologo "$@" 2>&1 | tee "$results/output.txt" || status=$?

# A test host ended before its exit handlers ran leaves its throw-away servers behind: stop those PostgreSQL
# servers (fast shutdown) and the Dovecot and Postfix of each mail-server folder (tests/ServiceDesk.Testing/MailServer.cs),
# then remove the folder.
if command -v pkill >/dev/null; then
  pkill -INT -f '/bin/postgres -D .*servicedesk-pg-' || true
fi
for mail in "${TMPDIR:-/tmp}"/sd-mail-*/; do
  [[ -d $mail ]] || continue
  [[ -f $mail/run/master.pid ]] && { kill -TERM "$(cat "$mail/run/master.pid")" 2>/dev/null || true; }
  [[ -f $mail/postfix/main.cf ]] && /usr/sbin/postfix -c "$mail/postfix" abort 2>/dev/null || true
  rm -rf "$mail"
done

# One closing line for whoever reads the log: the totals over every test project.
awk '/(Passed|Failed)! +- +Failed: +[0-9]+, +Passed: +[0-9]+/ {
       gsub(",", ""); for (i = 1; i <= NF; i++) { if ($i == "Failed:") f += $(i+1); if ($i == "Passed:") p += $(i+1); if ($i == "Skipped:") s += $(i+1) }
     } END { printf "%d passed, %d failed, %d skipped\n", p, f, s }' "$results/output.txt"
exit $status
