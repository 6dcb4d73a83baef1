#!/usr/bin/env bash
# Set-up of an end-to-end test server (see servers.sh), run by systemd as hive-e2e-init.service
# before sshd and dockerd start: admin user with the suite's key and passwordless sudo, root with
# the suite's password and password login allowed, host keys of its own, the test machine's own
# certificate authorities, and /etc/hostname, /etc/hosts and /etc/resolv.conf as plain files.
set -euo pipefail

# A root file system imported from a 0700 folder would lock every other user out of "/".
chmod 755 /

# Docker bind-mounts these three files; a mount point cannot be replaced, so hostnamectl and
# every `sed -i` or rename-over-it of hive's steps would fail with "Device or resource busy". The
# server keeps what docker wrote (its name and address) in files of its own.
for file in /etc/hostname /etc/hosts; do
  if mountpoint -q "$file"; then
    content=$(cat "$file")
    umount "$file"
    printf '%s\n' "$content" >"$file"
  fi
done
# Docker's resolver (127.0.0.11) answers nothing without its iptables rules, so every lookup
# would wait for the timeout (sudo looks up the host's own name after a rename). With no name
# server, a lookup fails at once: the servers reach package sources through the proxy, which
# resolves names for them, and know each other by address.
if mountpoint -q /etc/resolv.conf; then
  umount /etc/resolv.conf
fi
cat >/etc/resolv.conf <<'CONF'
# No name server: names outside /etc/hosts fail at once; the proxy resolves package sources.
CONF

if ! id admin >/dev/null 2>&1; then
  useradd --create-home --shell /bin/bash --groups sudo,docker admin
fi
install -d -m 700 -o admin -g admin /home/admin/.ssh
install -m 600 -o admin -g admin /hive-e2e/authorized_keys /home/admin/.ssh/authorized_keys
echo 'admin ALL=(ALL) NOPASSWD:ALL' >/etc/sudoers.d/admin
chmod 440 /etc/sudoers.d/admin

echo "root:$(cat /hive-e2e/root_password)" | chpasswd
# Debian allows root only with a key; a server prepared for root_password allows the password.
echo 'PermitRootLogin yes' >/etc/ssh/sshd_config.d/10-e2e.conf

# The test machine's own certificate authorities (servers.sh mounts them when it has any).
if compgen -G '/hive-e2e/ca-certificates/*.crt' >/dev/null; then
  install -d /usr/local/share/ca-certificates/hive-e2e
  cp /hive-e2e/ca-certificates/*.crt /usr/local/share/ca-certificates/hive-e2e/
  update-ca-certificates >/dev/null
fi

# The root file system has no host keys, so that every server has its own.
ssh-keygen -A >/dev/null
