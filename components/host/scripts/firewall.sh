#!/usr/bin/env bash
# iptables HIVE-SERVICE chain opening only the intra-site ports to the stage's servers, applied now and
# at every boot by hive-firewall.service (iptables-restore --noflush of the rendered rules file).
#
# Environment:
#   HIVE_FIREWALL_RULES  content of /etc/hive/firewall.rules (iptables-restore format, required)
#   HIVE_FIREWALL_UNIT   content of /etc/systemd/system/hive-firewall.service (required)
set -euo pipefail
if ! declare -F hive_changed >/dev/null; then
  # shellcheck source-path=SCRIPTDIR source=lib.sh
  . "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
fi

hive_require HIVE_FIREWALL_RULES HIVE_FIREWALL_UNIT
if [ "$HIVE_OS" = el ]; then
  hive_pkg_install iptables-nft
  if hive_pkg_installed firewalld; then
    systemctl disable --now firewalld
    hive_pkg remove -y firewalld
    hive_changed "removed firewalld"
  fi
else
  hive_pkg_install iptables
fi

rules_changed=0
hive_install_file /etc/hive/firewall.rules 0644 "$HIVE_FIREWALL_RULES"
if hive_wrote; then rules_changed=1; fi
hive_install_file /etc/systemd/system/hive-firewall.service 0644 "$HIVE_FIREWALL_UNIT"
if hive_wrote; then hive_mark_pending daemon-reload; fi
if hive_pending daemon-reload; then
  systemctl daemon-reload
  hive_clear_pending daemon-reload
fi
if ! systemctl is-enabled --quiet hive-firewall.service 2>/dev/null; then
  systemctl enable hive-firewall.service
  hive_changed "enabled hive-firewall.service"
fi

# Live rules: reload the chain when the file changed or the kernel's chain differs from it.
wanted="$(grep -c '^-A HIVE-SERVICE ' "$ROOT/etc/hive/firewall.rules" || true)"
live_ok=1
if ! iptables -n -L HIVE-SERVICE >/dev/null 2>&1; then
  live_ok=0
elif [ "$(iptables -S HIVE-SERVICE | grep -c '^-A ' || true)" != "$wanted" ]; then
  live_ok=0
else
  while read -r _ chain rule; do
    # shellcheck disable=SC2086 # a rule is a list of words without quoting
    iptables -C "$chain" $rule 2>/dev/null || live_ok=0
  done < <(grep '^-A HIVE-SERVICE ' "$ROOT/etc/hive/firewall.rules")
fi
if [ "$rules_changed" -eq 1 ] || [ "$live_ok" -eq 0 ]; then
  iptables-restore --noflush <"$ROOT/etc/hive/firewall.rules"
  hive_changed "loaded the HIVE-SERVICE chain ($wanted rules)"
fi
if ! iptables -C INPUT -i docker_gwbridge -m conntrack --ctstate NEW -j ACCEPT 2>/dev/null; then
  iptables -I INPUT 1 -i docker_gwbridge -m conntrack --ctstate NEW -j ACCEPT
  hive_changed "INPUT accepts new connections from docker_gwbridge"
fi
if ! iptables -C INPUT -j HIVE-SERVICE 2>/dev/null; then
  iptables -I INPUT 1 -j HIVE-SERVICE
  hive_changed "INPUT jumps to HIVE-SERVICE"
fi
hive_done
