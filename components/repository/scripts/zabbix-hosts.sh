#!/usr/bin/env bash
# Registers every server of the stage in Zabbix through its API (host groups "Hives" and
# "Repository server", template "Linux by Zabbix agent", agent interface on the private IP, port 10050).
# Servers already registered are left as they are. Zabbix's own default host "Zabbix server" (an agent on
# the Zabbix server's container that a site does not run) is deleted, as hive-builder did, unless a server
# of the stage has that name.
#
# Environment:
#   HIVE_ZABBIX_URL    API endpoint, e.g. http://127.0.0.1:10052/api_jsonrpc.php (required)
#   HIVE_ZABBIX_HOSTS  lines `<name> <private ip> <roles>`, roles a comma list of hives, repository (required)
#   HIVE_ZABBIX_USER   API user (default Admin)
#   HIVE_ZABBIX_TRIES  attempts while the web frontend starts, 10 s apart (default 30)
#   HIVE_ZABBIX_TEMPLATE  template linked to every server (default "Linux by Zabbix agent")
# Standard input (secret): HIVE_ZABBIX_ADMIN_PASSWORD=<base64 of the API user's password>
set -euo pipefail
if ! declare -F hive_changed >/dev/null; then
  # shellcheck source-path=SCRIPTDIR source=../../host/scripts/lib.sh
  . "$(dirname "${BASH_SOURCE[0]}")/../../host/scripts/lib.sh"
fi

hive_require HIVE_ZABBIX_URL HIVE_ZABBIX_HOSTS
HIVE_ZABBIX_ADMIN_PASSWORD=""
hive_read_secrets HIVE_ZABBIX_ADMIN_PASSWORD
hive_pkg_install jq curl
template="${HIVE_ZABBIX_TEMPLATE:-Linux by Zabbix agent}"
auth="$(mktemp)"
trap 'rm -f "$auth"' EXIT
chmod 0600 "$auth"

# Calls one API method with the JSON params on stdin; prints `.result`, fails on an API error.
api() {
  local method="$1" request response
  request="$(jq -c --arg m "$method" '{jsonrpc: "2.0", method: $m, params: ., id: 1}')"
  response="$(curl -fsS -H 'Content-Type: application/json-rpc' -H @"$auth" -d @- "$HIVE_ZABBIX_URL" <<<"$request")" ||
    hive_die "Zabbix API $method: request failed"
  if [ "$(jq -r 'has("error")' <<<"$response")" = true ]; then
    hive_die "Zabbix API $method: $(jq -r '.error.data // .error.message' <<<"$response")"
  fi
  jq -c '.result' <<<"$response"
}

tries="${HIVE_ZABBIX_TRIES:-30}"
until (api apiinfo.version <<<'{}') >/dev/null 2>&1; do
  tries=$((tries - 1))
  [ "$tries" -gt 0 ] || hive_die "the Zabbix API at $HIVE_ZABBIX_URL does not answer"
  sleep 10
done
token="$(jq -n --arg u "${HIVE_ZABBIX_USER:-Admin}" --arg p "$HIVE_ZABBIX_ADMIN_PASSWORD" '{username: $u, password: $p}' | api user.login | jq -r .)"
printf 'Authorization: Bearer %s\n' "$token" >"$auth"

# Sets variable $2 to the id of host group $1, creating the group when missing.
group_id() {
  local name="$1" id
  id="$(jq -n --arg n "$name" '{filter: {name: [$n]}, output: ["groupid"]}' | api hostgroup.get | jq -r '.[0].groupid // empty')"
  if [ -z "$id" ]; then
    id="$(jq -n --arg n "$name" '{name: $n}' | api hostgroup.create | jq -r '.groupids[0]')"
    hive_changed "Zabbix host group $name"
  fi
  printf -v "$2" '%s' "$id"
}
hives_group="" repository_group=""
group_id Hives hives_group
group_id "Repository server" repository_group
template_id="$(jq -n --arg t "$template" '{filter: {host: [$t]}, output: ["templateid"]}' | api template.get | jq -r '.[0].templateid // empty')"
[ -n "$template_id" ] || hive_die "Zabbix has no template \"$template\""

default_host="Zabbix server"
if ! grep -q "^$default_host " <<<"$HIVE_ZABBIX_HOSTS"; then
  default_id="$(jq -n --arg h "$default_host" '{filter: {host: [$h]}, output: ["hostid"]}' | api host.get | jq -r '.[0].hostid // empty')"
  if [ -n "$default_id" ]; then
    jq -n --arg id "$default_id" '[$id]' | api host.delete >/dev/null
    hive_changed "deleted Zabbix's default host \"$default_host\""
  fi
fi

while read -r name ip roles; do
  [ -n "$name" ] || continue
  exists="$(jq -n --arg h "$name" '{filter: {host: [$h]}, output: ["hostid"]}' | api host.get | jq 'length')"
  [ "$exists" = 0 ] || continue
  groups=()
  [[ ",$roles," == *",hives,"* ]] && groups+=("$hives_group")
  [[ ",$roles," == *",repository,"* ]] && groups+=("$repository_group")
  [ "${#groups[@]}" -gt 0 ] || hive_die "server $name has no role (hives, repository)"
  jq -n --arg h "$name" --arg ip "$ip" --arg t "$template_id" --args '{
    host: $h,
    interfaces: [{type: 1, main: 1, useip: 1, ip: $ip, dns: "", port: "10050"}],
    groups: [$ARGS.positional[] | {groupid: .}],
    templates: [{templateid: $t}]
  }' "${groups[@]}" | api host.create >/dev/null
  hive_changed "registered $name ($ip) in Zabbix"
done <<<"$HIVE_ZABBIX_HOSTS"
hive_done
