import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { daemonSource, installScript, renderUnit, DAEMON_PATH, UNIT_PATH } from "../../components/swarm/daemon";

test("renderUnit: default unit", () => {
  assert.equal(
    renderUnit(),
    `[Unit]
Description=hive swarm extension: node labels and virtual IPs that follow swarm services
After=docker.service network-online.target
Wants=docker.service network-online.target

[Service]
Type=simple
ExecStart=/usr/bin/python3 /usr/local/lib/hive/follow-swarm-service.py
Environment=PYTHONUNBUFFERED=1
StandardOutput=journal
StandardError=journal
SyslogIdentifier=follow-swarm-service
Restart=always
RestartSec=15s

[Install]
WantedBy=multi-user.target
`,
  );
});

test("renderUnit: settings become sorted, quoted Environment lines", () => {
  const unit = renderUnit({
    python: "/usr/libexec/platform-python",
    environment: { HIVE_RECONCILE_INTERVAL: "10", HIVE_DOCKER_CLI: '/opt/my "docker"' },
  });
  assert.match(
    unit,
    /^ExecStart=\/usr\/libexec\/platform-python \/usr\/local\/lib\/hive\/follow-swarm-service.py\nEnvironment="HIVE_DOCKER_CLI=\/opt\/my \\"docker\\""\nEnvironment="HIVE_RECONCILE_INTERVAL=10"\nEnvironment=PYTHONUNBUFFERED=1$/m,
  );
});

test("renderUnit: unknown settings and multi-line values are refused", () => {
  assert.throws(
    () => renderUnit({ environment: { HIVE_NOPE: "1" } as never }),
    /^Error: unknown follow-swarm-service setting HIVE_NOPE \(allowed: HIVE_DOCKER_CLI, /,
  );
  assert.throws(() => renderUnit({ environment: { HIVE_LOG_LEVEL: "a\nb" } }), /setting HIVE_LOG_LEVEL must be one line/);
});

test("daemonSource and installScript are the files in the repository", () => {
  const dir = join(__dirname, "..", "..", "components", "swarm");
  assert.equal(daemonSource(), readFileSync(join(dir, "daemon", "follow_swarm_service.py"), "utf8"));
  assert.match(daemonSource(), /^#!\/usr\/bin\/python3\n/);
  assert.match(daemonSource(), /^def decide\(obs: Observed\)/m);
  assert.equal(installScript(), readFileSync(join(dir, "scripts", "install-follow-swarm-service.sh"), "utf8"));
  // the paths the host setup is told about are the ones the script installs to
  assert.ok(installScript().includes(`daemon_dst="$ROOT${DAEMON_PATH}"`));
  assert.ok(installScript().includes(`unit_dst="$ROOT${UNIT_PATH.replace("follow-swarm-service.service", "$unit")}"`));
});
