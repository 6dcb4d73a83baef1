#!/usr/bin/env bash
# Stand-in for the Zabbix JSON-RPC API behind `curl -d @- <url>` (called by stub.sh): host groups,
# templates and hosts under $STUB_STATE/zabbix. The request comes on standard input.
set -euo pipefail
S="${STUB_STATE:?}"
Z="$S/zabbix"
if [ ! -d "$Z/hosts" ]; then
  # A new Zabbix has its own default host.
  mkdir -p "$Z/groups" "$Z/hosts"
  echo '{"host": "Zabbix server"}' >"$Z/hosts/Zabbix server"
fi
request="$(cat)"
method="$(jq -r .method <<<"$request")"
params="$(jq -c .params <<<"$request")"
line="zabbix-api $method"
log() { printf '%s\t%s\n' "$1" "$line" >>"$S/calls.log"; }
if [ -f "$S/fail-once" ] && grep -qxF "$line" "$S/fail-once"; then
  grep -vxF "$line" "$S/fail-once" >"$S/fail-once.new" || true
  mv "$S/fail-once.new" "$S/fail-once"
  log F
  exit 22
fi
[ -f "$Z/down" ] && { log R && exit 7; }
result() { jq -cn --argjson r "$1" '{jsonrpc: "2.0", result: $r, id: 1}'; }
case "$method" in
  apiinfo.version) log R && result '"7.0.0"' ;;
  user.login)
    log R
    if [ "$(jq -r .password <<<"$params")" = "$(cat "$Z/password" 2>/dev/null || echo zabbix)" ]; then
      result '"stub-session"'
    else
      echo '{"jsonrpc":"2.0","error":{"code":-32602,"message":"Invalid params.","data":"Incorrect user name or password."},"id":1}'
    fi
    ;;
  hostgroup.get)
    log R
    name="$(jq -r '.filter.name[0]' <<<"$params")"
    if [ -f "$Z/groups/$name" ]; then result "[{\"groupid\": \"$(cat "$Z/groups/$name")\"}]"; else result '[]'; fi
    ;;
  hostgroup.create)
    log M
    id=$((100 + $(find "$Z/groups" -type f | wc -l)))
    echo "$id" >"$Z/groups/$(jq -r .name <<<"$params")"
    result "{\"groupids\": [\"$id\"]}"
    ;;
  template.get)
    log R
    if [ "$(jq -r '.filter.host[0]' <<<"$params")" = "Linux by Zabbix agent" ]; then result '[{"templateid": "10001"}]'; else result '[]'; fi
    ;;
  host.get)
    log R
    # A host's id is its name here.
    host="$(jq -r '.filter.host[0]' <<<"$params")"
    if [ -f "$Z/hosts/$host" ]; then jq -cn --arg h "$host" '{jsonrpc: "2.0", result: [{hostid: $h}], id: 1}'; else result '[]'; fi
    ;;
  host.create)
    log M
    jq -c . <<<"$params" >"$Z/hosts/$(jq -r .host <<<"$params")"
    result '{"hostids": ["1"]}'
    ;;
  host.delete)
    log M
    jq -r '.[]' <<<"$params" | while read -r host; do rm "$Z/hosts/$host"; done
    result '{"hostids": []}'
    ;;
  *) echo "zabbix stub: no method $method" >&2 && exit 2 ;;
esac
