#!/usr/bin/env bash
# Builds the Teams app package, the zip that Teams (Apps > Manage your apps > Upload an app) and the
# Teams admin center accept: manifest.json, es.json, color.png and outline.png at the zip's root.
#
#   deploy/teams/package.sh [variables-file] [output.zip]
#
# Values come from the variables file (KEY=VALUE lines; default teams.env beside this script, see
# teams.env.example); environment variables of the same names win. Needs bash and zip.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
vars_file=${1:-$here/teams.env}
output=${2:-$here/build/servicedesk-teams.zip}
keys=(BOT_ID TEAMS_APP_ID APP_NAME APP_VERSION DEVELOPER_NAME WEBSITE_URL PRIVACY_URL TERMS_OF_USE_URL)

fail() { echo "package.sh: $*" >&2; exit 1; }

declare -A value=([APP_NAME]="Service Desk" [APP_VERSION]="1.0.0")
if [[ -f $vars_file ]]; then
  line_number=0
  while IFS= read -r line || [[ -n $line ]]; do
    line_number=$((line_number + 1))
    line=${line%$'\r'}
    [[ $line =~ ^[[:space:]]*(#|$) ]] && continue
    [[ $line =~ ^[[:space:]]*([A-Z_]+)[[:space:]]*=(.*)$ ]] || fail "$vars_file:$line_number: expected KEY=VALUE"
    key=${BASH_REMATCH[1]}
    val=${BASH_REMATCH[2]}
    [[ " ${keys[*]} " == *" $key "* ]] || fail "$vars_file:$line_number: unknown key $key (known: ${keys[*]})"
    # Trim blanks, then one pair of surrounding quotes.
    val=${val#"${val%%[![:space:]]*}"}
    val=${val%"${val##*[![:space:]]}"}
    if [[ $val =~ ^\"(.*)\"$ || $val =~ ^\'(.*)\'$ ]]; then val=${BASH_REMATCH[1]}; fi
    [[ -n $val ]] && value[$key]=$val
  done <"$vars_file"
elif [[ $# -ge 1 ]]; then
  fail "variables file not found: $vars_file"
fi
for key in "${keys[@]}"; do
  if [[ -n ${!key:-} ]]; then value[$key]=${!key}; fi
done
[[ -n ${value[TEAMS_APP_ID]:-} ]] || value[TEAMS_APP_ID]=${value[BOT_ID]:-}

guid='^[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$'
for key in "${keys[@]}"; do
  val=${value[$key]:-}
  [[ -n $val ]] || fail "$key is not set (in $vars_file or the environment)"
  # The values land inside JSON strings: keep them free of what would need escaping.
  [[ $val != *[\"\\]* && $val != *[[:cntrl:]]* ]] || fail "$key must not contain quotes, backslashes or control characters"
done
for key in BOT_ID TEAMS_APP_ID; do
  [[ ${value[$key]} =~ $guid ]] || fail "$key must be a GUID, got '${value[$key]}'"
done
for key in WEBSITE_URL PRIVACY_URL TERMS_OF_USE_URL; do
  [[ ${value[$key]} =~ ^https://[^[:space:]]+$ ]] || fail "$key must be an https:// URL, got '${value[$key]}'"
done
((${#value[APP_NAME]} <= 30)) || fail "APP_NAME must be at most 30 characters"
((${#value[DEVELOPER_NAME]} <= 32)) || fail "DEVELOPER_NAME must be at most 32 characters"
[[ ${value[APP_VERSION]} =~ ^[0-9]+\.[0-9]+\.[0-9]+$ ]] || fail "APP_VERSION must look like 1.0.0"

command -v zip >/dev/null || fail "zip is not installed (Debian: apt-get install zip)"

stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
for file in manifest.json es.json; do
  text=$(<"$here/$file")
  for key in "${keys[@]}"; do
    # Quoted pattern and replacement: both literal, whatever the value holds.
    text=${text//"\${{$key}}"/"${value[$key]}"}
  done
  if [[ $text =~ \$\{\{([A-Za-z0-9_]+)\}\} ]]; then
    fail "$file: no value for placeholder ${BASH_REMATCH[1]}"
  fi
  printf '%s\n' "$text" >"$stage/$file"
done
cp "$here/color.png" "$here/outline.png" "$stage/"

mkdir -p "$(dirname "$output")"
output=$(cd "$(dirname "$output")" && pwd)/$(basename "$output")
rm -f "$output"
(cd "$stage" && zip -q -X -D "$output" manifest.json es.json color.png outline.png)
echo "Teams app package: $output (app ${value[TEAMS_APP_ID]}, bot ${value[BOT_ID]}, version ${value[APP_VERSION]})"
