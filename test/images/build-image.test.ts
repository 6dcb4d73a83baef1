import { after, test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { newScriptEnv as newBuildEnv, runScript } from "../volumes/run-script";

const script = join(__dirname, "../../components/images/scripts/build-image.sh");
const stubs = [join(__dirname, "stubs")];
const venv = join(__dirname, "venv");
// A role given by an absolute path, and one under the build user's home (made in each test's root).
const absRoles = mkdtempSync(join(tmpdir(), "hive-build-roles-"));
mkdirSync(join(absRoles, "powerdns-initdb-bbbb/tasks"), { recursive: true });
after(() => rmSync(absRoles, { recursive: true, force: true }));
function newScriptEnv() {
  const se = newBuildEnv();
  mkdirSync(join(se.root, "hive/roles/python-aptk-aaaa/tasks"), { recursive: true });
  return se;
}
const b64 = (s: string) => Buffer.from(s, "utf8").toString("base64");

const env = {
  HIVE_SERVICE: "pdnsdb",
  HIVE_IMAGE: "s-hive3.pdns:5000/image_pdnsdb",
  HIVE_TAG: "0123456789abcdef",
  HIVE_REGISTRY: "s-hive3.pdns:5000",
  HIVE_FROM: "mariadb:10.4",
  HIVE_ROLE_PATHS: `hive/roles/python-aptk-aaaa:${absRoles}/powerdns-initdb-bbbb`,
  HIVE_STANDALONE: "0",
  HIVE_PRIVILEGED: "0",
  HIVE_USER: "mysql",
  HIVE_WORKDIR: "/var/lib/mysql",
  HIVE_STOP_SIGNAL: "SIGTERM",
  HIVE_ENTRYPOINT: "",
  HIVE_COMMAND: "",
  HIVE_EXPOSE: "3306 33060/tcp",
  HIVE_ANSIBLE_VENV: venv,
  HIVE_EXTRA_VARS: '{"hive_name":"pdns"}',
};
const stdin = `reg-pass-word\nMYSQL_USER=${b64("powerdns")}\nMYSQL_PASSWORD=${b64("db pass'word")}\n`;

test("first build: fresh container, roles, commit with image settings, push both tags, container removed", () => {
  const se = newScriptEnv();
  const r = runScript(script, se, env, { stubDirs: stubs, stdin });
  assert.equal(r.status, 0, r.stderr);
  const home = se.root;
  assert.deepEqual(r.calls, [
    "docker login --username hive --password-stdin s-hive3.pdns:5000",
    "docker manifest inspect s-hive3.pdns:5000/image_pdnsdb:0123456789abcdef",
    "docker rm -f build_image_pdnsdb",
    "docker image inspect mariadb:10.4",
    "docker pull mariadb:10.4",
    "docker run -d --name build_image_pdnsdb --hostname image_pdnsdb -e MYSQL_USER=powerdns -e MYSQL_PASSWORD=db pass'word --workdir /var/lib/mysql --entrypoint /bin/sh mariadb:10.4 -c trap \"exit 0\" TERM; while :; do sleep 60 & wait $!; done",
    r.calls[6],
    "docker image inspect --format {{json .Config.Entrypoint}} mariadb:10.4",
    "docker image inspect --format {{json .Config.Cmd}} mariadb:10.4",
    "docker stop build_image_pdnsdb",
    'docker commit --change ENTRYPOINT ["docker-entrypoint.sh"] --change CMD ["mysqld"] --change USER mysql --change WORKDIR /var/lib/mysql --change STOPSIGNAL SIGTERM --change EXPOSE 3306 --change EXPOSE 33060/tcp build_image_pdnsdb s-hive3.pdns:5000/image_pdnsdb:0123456789abcdef',
    "docker tag s-hive3.pdns:5000/image_pdnsdb:0123456789abcdef s-hive3.pdns:5000/image_pdnsdb:latest",
    "docker push s-hive3.pdns:5000/image_pdnsdb:0123456789abcdef",
    "docker push s-hive3.pdns:5000/image_pdnsdb:latest",
    "docker image inspect s-hive3.pdns:5000/image_pdnsdb:0123456789abcdef",
    "docker image inspect --format {{range .RepoDigests}}{{println .}}{{end}} s-hive3.pdns:5000/image_pdnsdb:0123456789abcdef",
    "docker image inspect --format {{.Os}}/{{.Architecture}} s-hive3.pdns:5000/image_pdnsdb:0123456789abcdef",
    "docker rm -f build_image_pdnsdb",
  ]);
  // The reference the service takes: the pushed image by digest, and its platform.
  const digest = /^HIVE_IMAGE_DIGEST=(sha256:[0-9a-f]{64})\nHIVE_IMAGE_PLATFORM=linux\/amd64\n$/m.exec(r.stdout);
  assert.ok(digest, r.stdout);
  assert.match(r.calls[6], /^ansible-playbook -i \/.*\/target\.json -l image_pdnsdb -e @\/.*\/vars\.json \/.*\/playbook\.yml$/);
  // The build container is the connection of host image_pdnsdb alone, not an extra variable of every host.
  assert.deepEqual(JSON.parse(readFileSync(join(se.state, "last-target.json"), "utf8")), {
    all: { hosts: { image_pdnsdb: { ansible_host: "build_image_pdnsdb", ansible_connection: "community.docker.docker" } } },
  });
  assert.equal(
    readFileSync(join(se.state, "last-playbook.yml"), "utf8"),
    `- hosts: all\n  gather_facts: false\n  roles:\n    - role: "${home}/hive/roles/python-aptk-aaaa"\n    - role: "${absRoles}/powerdns-initdb-bbbb"\n`,
  );
  // The password went to docker login on stdin, never as an argument.
  assert.equal(readFileSync(join(se.state, "login-password"), "utf8"), "reg-pass-word\n");
  assert.ok(!r.calls.some((c) => c.includes("reg-pass-word")));
  assert.equal(existsSync(join(se.state, "container-build_image_pdnsdb")), false);

  const second = runScript(script, se, env, { stubDirs: stubs, stdin });
  assert.equal(second.status, 0, second.stderr);
  assert.deepEqual(second.calls.slice(0, 2), [
    "docker login --username hive --password-stdin s-hive3.pdns:5000",
    "docker manifest inspect s-hive3.pdns:5000/image_pdnsdb:0123456789abcdef",
  ]);
  assert.ok(!second.calls.some((c) => /^docker (run|commit|push)/.test(c)), second.calls.join("\n"));
  assert.match(second.stdout, new RegExp(`^HIVE_IMAGE_DIGEST=${digest[1]}$`, "m"));

  // The command's update prints the reference again, and builds nothing.
  const update = runScript(script, se, { ...env, HIVE_REFERENCE_ONLY: "1" }, { stubDirs: stubs, stdin });
  assert.equal(update.status, 0, update.stderr);
  assert.ok(!update.calls.some((c) => /^docker (manifest|run|commit|push)/.test(c)), update.calls.join("\n"));
  assert.match(update.stdout, new RegExp(`^HIVE_IMAGE_DIGEST=${digest[1]}$`, "m"));
});

test("a base image already on the server is used as it is: no pull (an offline site loads it there)", () => {
  const se = newScriptEnv();
  writeFileSync(join(se.state, "image-mariadb_10.4"), "");
  const r = runScript(script, se, env, { stubDirs: stubs, stdin });
  assert.equal(r.status, 0, r.stderr);
  assert.ok(r.calls.includes("docker image inspect mariadb:10.4"));
  assert.ok(!r.calls.some((c) => c.startsWith("docker pull")), r.calls.join("\n"));
});

test("a failed role run still removes the build container, and nothing is pushed", () => {
  const se = newScriptEnv();
  const r = runScript(script, se, { ...env, STUB_ANSIBLE_FAIL: "1" }, { stubDirs: stubs, stdin });
  assert.notEqual(r.status, 0);
  assert.equal(r.calls[r.calls.length - 1], "docker rm -f build_image_pdnsdb");
  assert.equal(existsSync(join(se.state, "container-build_image_pdnsdb")), false);
  assert.deepEqual(readdirSync(se.state).filter((f) => f.startsWith("pushed-")), []);
});

test("standalone: the image's own init runs privileged and ENTRYPOINT/CMD are kept", () => {
  const se = newScriptEnv();
  const r = runScript(script, se, { ...env, HIVE_STANDALONE: "1", HIVE_USER: "", HIVE_WORKDIR: "", HIVE_STOP_SIGNAL: "", HIVE_EXPOSE: "" }, { stubDirs: stubs, stdin: "pw\n" });
  assert.equal(r.status, 0, r.stderr);
  assert.ok(r.calls.includes("docker run -d --privileged --name build_image_pdnsdb --hostname image_pdnsdb mariadb:10.4"), r.calls.join("\n"));
  assert.ok(r.calls.includes("docker commit build_image_pdnsdb s-hive3.pdns:5000/image_pdnsdb:0123456789abcdef"), r.calls.join("\n"));
});

test("explicit entrypoint and command replace the base image's", () => {
  const se = newScriptEnv();
  const r = runScript(
    script,
    se,
    { ...env, HIVE_ENTRYPOINT: '["/usr/local/bin/python"]', HIVE_COMMAND: '["/usr/sbin/proxy-configure"]', HIVE_USER: "", HIVE_WORKDIR: "", HIVE_STOP_SIGNAL: "", HIVE_EXPOSE: "" },
    { stubDirs: stubs, stdin: "pw\n" },
  );
  assert.equal(r.status, 0, r.stderr);
  assert.ok(
    r.calls.includes(
      'docker commit --change ENTRYPOINT ["/usr/local/bin/python"] --change CMD ["/usr/sbin/proxy-configure"] build_image_pdnsdb s-hive3.pdns:5000/image_pdnsdb:0123456789abcdef',
    ),
    r.calls.join("\n"),
  );
  // The base image's own settings are not read (only its presence is).
  assert.ok(!r.calls.some((c) => c.startsWith("docker image inspect --format") && c.endsWith("mariadb:10.4")));
});

test("Dockerfile builds use docker build in the uploaded context", () => {
  const se = newScriptEnv();
  const r = runScript(
    script,
    se,
    { HIVE_SERVICE: "web", HIVE_IMAGE: "r:5000/image_web", HIVE_TAG: "t1", HIVE_REGISTRY: "r:5000", HIVE_DOCKERFILE_DIR: "hive/build/web-t1", HIVE_DOCKERFILE: "Dockerfile" },
    { stubDirs: stubs, stdin: "pw\n" },
  );
  assert.equal(r.status, 0, r.stderr);
  assert.ok(r.calls.includes(`docker build --pull -t r:5000/image_web:t1 -f ${se.root}/hive/build/web-t1/Dockerfile ${se.root}/hive/build/web-t1`), r.calls.join("\n"));
  assert.ok(r.calls.includes("docker push r:5000/image_web:latest"));
});

test("a role folder without tasks/ or meta/ is refused before anything starts (Ansible would apply nothing)", () => {
  const se = newBuildEnv();
  // The folder one level too high, as an upload that nests the role folder makes it.
  mkdirSync(join(se.root, "hive/roles/python-aptk-aaaa/python-aptk/tasks"), { recursive: true });
  const r = runScript(script, se, env, { stubDirs: stubs, stdin });
  assert.equal(r.status, 1);
  assert.match(r.stderr, /build-image\[pdnsdb\]: error: role folder .*\/hive\/roles\/python-aptk-aaaa has no tasks\/ or meta\//);
  assert.ok(!r.calls.some((c) => c.startsWith("docker run") || c.startsWith("ansible-playbook") || c.startsWith("docker push")), r.calls.join("\n"));
});
