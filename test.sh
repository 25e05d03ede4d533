#!/usr/bin/env bash
# Installs what the test suite needs, then runs it: ./test.sh [extra dotnet test arguments]
# The exit status is the verdict. Tests start their own servers on 127.0.0.1 and stop them.
set -euo pipefail
cd "$(dirname "$0")"

packages=()
compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null || packages+=(postgresql)
command -v runuser >/dev/null || packages+=(util-linux)
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

results=$(mktemp -d)
trap 'rm -rf "$results"' EXIT
status=0
dotnet test ServiceDesk.sln --nologo "$@" 2>&1 | tee "$results/output.txt" || status=$?

# One closing line for whoever reads the log: the totals over every test project.
awk '/(Passed|Failed)! +- +Failed: +[0-9]+, +Passed: +[0-9]+/ {
       gsub(",", ""); for (i = 1; i <= NF; i++) { if ($i == "Failed:") f += $(i+1); if ($i == "Passed:") p += $(i+1); if ($i == "Skipped:") s += $(i+1) }
     } END { printf "%d passed, %d failed, %d skipped\n", p, f, s }' "$results/output.txt"
exit $status
