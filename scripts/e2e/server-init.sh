#!/usr/bin/env bash
# PID 1 of an end-to-end test server (see servers.sh): admin user with the suite's key and
# passwordless sudo, root with the suite's password and password login allowed, a nested dockerd,
# and sshd in the foreground.
set -euo pipefail

# A root file system imported from a 0700 folder would lock every other user out of "/".
chmod 755 /

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

ssh-keygen -A >/dev/null
mkdir -p /run/sshd

# The outer storage is vfs, so the nested daemon must use vfs as well (no overlay on overlay).
nohup dockerd --storage-driver vfs >/var/log/dockerd.log 2>&1 &

exec /usr/sbin/sshd -D -e
