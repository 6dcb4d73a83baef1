#!/usr/bin/python3
"""follow-swarm-service: the swarm extension daemon of a hive.

Runs on every hive and makes the node follow the swarm tasks it runs:

* ``HIVE_MARK: x`` on a service: the node carries the label ``x=true`` while a
  task of that service is on it (several services may mark the same label; it
  stays while any of them has a task here).
* ``HIVE_VIP`` / ``HIVE_VIP0`` .. ``HIVE_VIP5`` (with ``HIVE_ROUTER<n>``,
  ``HIVE_DNAT_PORTS<n>`` and ``HIVE_ENABLE_VIP_SNAT<n>``): the node holds the
  virtual IP while the task is here, announces it with gratuitous ARP, checks
  the router, and adds the DNAT/ACCEPT/SNAT rules that lead the VIP to the
  task's container.

Why Python 3 and only its standard library: the daemon runs on the hosts,
AlmaLinux 9 and Ubuntu 24.04, and both ship python3 in the base system, while
neither has Node.js or pip-installed modules; a single file with no
dependencies is copied and started by systemd with nothing else to install,
and the docker CLI (already on every hive) does the talking to the engine, so
TLS contexts and DOCKER_HOST behave as they do for an operator.

Structure: ``decide(observed) -> [actions]`` is pure (unit-tested); around it a
thin loop observes (docker, ip, iptables), decides, applies and logs. It
reconciles on start, on every relevant docker event and every
``HIVE_RECONCILE_INTERVAL`` seconds, so a restart of the daemon or of docker
converges to the right state. When the engine cannot be asked, nothing is
changed (a VIP is only ever added for a task that docker says is here) and the
daemon retries with backoff.
"""

import argparse
import ipaddress
import json
import logging
import os
import queue
import shlex
import shutil
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from typing import Callable, Dict, FrozenSet, List, Mapping, Optional, Sequence, Tuple

LOG = logging.getLogger("follow-swarm-service")

MARK_LABEL = "HIVE_MARK"
VIP_SUFFIXES = ("",) + tuple(str(i) for i in range(6))
GWBRIDGE = "docker_gwbridge"
DNAT_CHAIN = "DOCKER"
SNAT_CHAIN = "POSTROUTING"
RULE_PREFIX = "hive_"
# Task states after which a task no longer occupies the node (swarm's TaskState).
TERMINAL_STATES = frozenset(["complete", "shutdown", "failed", "rejected", "remove", "orphaned"])


# ---------------------------------------------------------------- observed state

@dataclass(frozen=True)
class Service:
    id: str
    name: str
    labels: Mapping[str, str]


@dataclass(frozen=True)
class Task:
    """A task on this node whose desired state is running."""
    id: str
    service_id: str
    state: str
    # the container's IPv4 address on docker_gwbridge, when it has one
    container_ip: Optional[str] = None


@dataclass(frozen=True)
class Address:
    interface: str
    ip: str
    prefixlen: int


@dataclass(frozen=True)
class Rule:
    """An iptables rule carrying a hive_ comment, as listed by ``iptables -S``."""
    table: str
    comment: str
    spec: Tuple[str, ...]  # chain and match, without the leading -A


@dataclass(frozen=True)
class Observed:
    node_id: str
    node_addr: str
    availability: str
    node_labels: Mapping[str, str]
    services: Tuple[Service, ...]
    tasks: Tuple[Task, ...]
    addresses: Tuple[Address, ...]
    rules: Optional[Tuple[Rule, ...]]  # None when iptables could not be listed
    recorded_marks: FrozenSet[str] = frozenset()
    recorded_vips: FrozenSet[str] = frozenset()
    held_back_vips: FrozenSet[str] = frozenset()
    # service id -> another node (ready) where a task of that service still runs
    busy_elsewhere: Mapping[str, str] = field(default_factory=dict)


# ---------------------------------------------------------------- actions

@dataclass(frozen=True)
class Warn:
    message: str

    def describe(self) -> str:
        return self.message


@dataclass(frozen=True)
class Recheck:
    """Reconcile again soon: something is about to change without an event here."""
    seconds: float

    def describe(self) -> str:
        return f"check again in {self.seconds:.0f}s"


@dataclass(frozen=True)
class AddLabel:
    label: str

    def describe(self) -> str:
        return f"add node label {self.label}=true"


@dataclass(frozen=True)
class RemoveLabel:
    label: str

    def describe(self) -> str:
        return f"remove node label {self.label}"


@dataclass(frozen=True)
class AddAddress:
    ip: str
    prefixlen: int
    interface: str
    router: Optional[str]
    service: str

    def describe(self) -> str:
        via = f", check router {self.router}" if self.router else ""
        return f"add VIP {self.ip}/{self.prefixlen} to {self.interface} for {self.service}{via}"


@dataclass(frozen=True)
class RemoveAddress:
    ip: str
    prefixlen: int
    interface: str

    def describe(self) -> str:
        return f"remove VIP {self.ip}/{self.prefixlen} from {self.interface}"


@dataclass(frozen=True)
class AddRule:
    table: str
    args: Tuple[str, ...]
    vip: str

    def describe(self) -> str:
        return f"iptables -t {self.table} {' '.join(self.args)}"


@dataclass(frozen=True)
class DeleteRule:
    table: str
    args: Tuple[str, ...]

    def describe(self) -> str:
        return f"iptables -t {self.table} {' '.join(self.args)}"


Action = object  # one of the dataclasses above


# ---------------------------------------------------------------- label parsing

@dataclass(frozen=True)
class VipSpec:
    ip: str
    prefixlen: Optional[int]
    interface: Optional[str]


def parse_vip(value: str) -> VipSpec:
    """``a.b.c.d``, ``a.b.c.d/nn``, ``a.b.c.d@if`` or ``a.b.c.d/nn@if``."""
    text = value.strip()
    interface = None
    if "@" in text:
        text, interface = text.split("@", 1)
        if not interface:
            raise ValueError(f"no interface after @ in {value!r}")
    prefixlen = None
    if "/" in text:
        text, prefix = text.split("/", 1)
        if not prefix.isdigit() or not 0 < int(prefix) <= 32:
            raise ValueError(f"bad prefix length in {value!r} (1-32)")
        prefixlen = int(prefix)
    try:
        ip = ipaddress.ip_address(text)
    except ValueError:
        raise ValueError(f"{value!r} is not an IPv4 address (a.b.c.d, a.b.c.d/nn, a.b.c.d/nn@ifname)") from None
    if ip.version != 4:
        raise ValueError(f"{value!r}: IPv6 virtual IPs are not supported")
    return VipSpec(str(ip), prefixlen, interface)


def parse_ports(value: str) -> List[Tuple[str, int]]:
    """``HIVE_DNAT_PORTS``: ``port[/tcp|/udp]`` separated by commas; tcp by default."""
    ports = []
    for item in value.split(","):
        item = item.strip()
        if not item:
            continue
        port, _, proto = item.partition("/")
        proto = proto or "tcp"
        if proto not in ("tcp", "udp") or not port.isdigit() or not 0 < int(port) < 65536:
            raise ValueError(f"bad port {item!r} (port[/tcp|/udp], 1-65535)")
        ports.append((proto, int(port)))
    return ports


# ---------------------------------------------------------------- decision core

@dataclass
class _WantedVip:
    address: Address
    router: Optional[str]
    service: str
    ports: List[Tuple[str, int]] = field(default_factory=list)
    snat: bool = False
    container_ip: Optional[str] = None
    # another node still runs a task of the service: keep the VIP if held, do not take it
    blocked: bool = False


def _resolve(spec: VipSpec, addresses: Sequence[Address]) -> Optional[Address]:
    """The interface and prefix the VIP goes to: the interface named after @,
    else the one holding an address whose network contains the VIP (longest
    prefix wins); the prefix is the one given, else that network's."""
    vip = ipaddress.ip_address(spec.ip)
    best: Optional[Address] = None
    for a in addresses:
        if a.ip == spec.ip or (spec.interface and a.interface != spec.interface):
            continue
        if vip in ipaddress.ip_interface(f"{a.ip}/{a.prefixlen}").network and a.prefixlen < 32:
            if best is None or a.prefixlen > best.prefixlen:
                best = a
    if spec.interface:
        known = any(a.interface == spec.interface for a in addresses)
        if not known and best is None:
            return None
        prefix = spec.prefixlen or (best.prefixlen if best else 32)
        return Address(spec.interface, spec.ip, prefix)
    if best is None:
        return None
    return Address(best.interface, spec.ip, spec.prefixlen or best.prefixlen)


def _all_vip_ips(services: Sequence[Service]) -> FrozenSet[str]:
    ips = set()
    for s in services:
        for suffix in VIP_SUFFIXES:
            value = s.labels.get("HIVE_VIP" + suffix)
            if value is None:
                continue
            try:
                ips.add(parse_vip(value).ip)
            except ValueError:
                pass
    return frozenset(ips)


def dnat_comment(vip: str, proto: str, port: int, cip: str, service: str) -> str:
    return f"hive_dnat_{vip}_{proto}_{port}_{cip}_{service}"


def accept_comment(vip: str, proto: str, port: int, cip: str, service: str) -> str:
    return f"hive_accept_{vip}_{proto}_{port}_{cip}_{service}"


def snat_comment(vip: str, interface: str, cip: str, service: str) -> str:
    return f"hive_snat_{vip}_{interface}_{cip}_{service}"


def _wanted_rules(w: _WantedVip) -> List[AddRule]:
    """hive-builder's rules: DNAT from VIP:port to the container's gateway
    address, ACCEPT of that forward, and optionally SNAT of the container's
    outgoing traffic to the VIP. The comment names everything the rule depends
    on (VIP, port, container address, service), so comparing comments is
    comparing rules."""
    vip, cip, svc = w.address.ip, w.container_ip, w.service
    assert cip is not None
    rules = []
    for proto, port in w.ports:
        rules.append(AddRule("nat", (
            "-I", DNAT_CHAIN, "-d", f"{vip}/32", "-p", proto, "-m", proto, "--dport", str(port),
            "-m", "comment", "--comment", dnat_comment(vip, proto, port, cip, svc),
            "-j", "DNAT", "--to-destination", f"{cip}:{port}"), vip))
        rules.append(AddRule("filter", (
            "-I", DNAT_CHAIN, "-d", f"{cip}/32", "!", "-i", GWBRIDGE, "-o", GWBRIDGE,
            "-p", proto, "-m", proto, "--dport", str(port),
            "-m", "comment", "--comment", accept_comment(vip, proto, port, cip, svc),
            "-j", "ACCEPT"), vip))
    if w.snat:
        rules.append(AddRule("nat", (
            "-I", SNAT_CHAIN, "-s", f"{cip}/32", "-o", w.address.interface,
            "-m", "comment", "--comment", snat_comment(vip, w.address.interface, cip, svc),
            "-j", "SNAT", "--to-source", vip), vip))
    return rules


def _comment_of(rule: AddRule) -> str:
    return rule.args[rule.args.index("--comment") + 1]


def decide(obs: Observed) -> List[Action]:
    """The actions that bring this node from ``obs`` to the state its tasks ask for."""
    warnings: List[Action] = []
    services = {s.id: s for s in obs.services}
    drained = obs.availability == "drain"
    here = [] if drained else sorted(
        (t for t in obs.tasks if t.state not in TERMINAL_STATES and t.service_id in services),
        key=lambda t: (services[t.service_id].name, t.id))

    wanted_marks = set()
    wanted_vips: Dict[str, _WantedVip] = {}
    for task in here:
        svc = services[task.service_id]
        mark = svc.labels.get(MARK_LABEL)
        if mark is not None:
            if mark.strip():
                wanted_marks.add(mark.strip())
            else:
                warnings.append(Warn(f"service {svc.name}: empty {MARK_LABEL} ignored"))
        for key in sorted(svc.labels):
            if key.startswith("HIVE_") and key.endswith("_V6"):
                warnings.append(Warn(f"service {svc.name}: label {key} ignored, IPv6 virtual IPs are not supported"))
        for suffix in VIP_SUFFIXES:
            value = svc.labels.get("HIVE_VIP" + suffix)
            if value is None:
                continue
            try:
                spec = parse_vip(value)
                ports = parse_ports(svc.labels.get("HIVE_DNAT_PORTS" + suffix, ""))
            except ValueError as e:
                warnings.append(Warn(f"service {svc.name}: {e}"))
                continue
            if spec.ip == obs.node_addr:
                warnings.append(Warn(f"service {svc.name}: VIP {spec.ip} is this node's own address, ignored"))
                continue
            address = _resolve(spec, obs.addresses)
            if address is None:
                where = (f"interface {spec.interface} has no IPv4 address or does not exist" if spec.interface
                         else "no interface has a network containing it")
                warnings.append(Warn(f"service {svc.name}: cannot place VIP {spec.ip}: {where}"))
                continue
            if spec.ip in wanted_vips:
                if wanted_vips[spec.ip].service != svc.name:
                    warnings.append(Warn(f"service {svc.name}: VIP {spec.ip} is already held for {wanted_vips[spec.ip].service}"))
                continue
            router = svc.labels.get("HIVE_ROUTER" + suffix) or None
            snat = svc.labels.get("HIVE_ENABLE_VIP_SNAT" + suffix, "").strip().lower() == "true"
            wanted_vips[spec.ip] = _WantedVip(address, router, svc.name, ports, snat, task.container_ip)
            other = obs.busy_elsewhere.get(svc.id)
            if other is not None and address not in obs.addresses:
                wanted_vips[spec.ip].blocked = True
                warnings.append(Warn(f"service {svc.name}: VIP {spec.ip} waits until its task on node {other} stops"))

    actions: List[Action] = []

    # iptables rules (removed first, added last: they lead to the VIP)
    wanted_rules: List[AddRule] = []
    for ip, w in sorted(wanted_vips.items()):
        if ip in obs.held_back_vips or w.blocked or not (w.ports or w.snat):
            continue
        if w.container_ip is None:
            warnings.append(Warn(f"service {w.service}: no address on {GWBRIDGE} yet, NAT rules for VIP {ip} wait"))
            continue
        wanted_rules.extend(_wanted_rules(w))
    if obs.rules is None:
        if wanted_rules:
            warnings.append(Warn("iptables cannot be listed: NAT rules are not managed"))
        wanted_rules = []
    else:
        wanted_comments = {_comment_of(r) for r in wanted_rules}
        seen = set()
        for rule in obs.rules:
            if rule.comment in wanted_comments and rule.comment not in seen:
                seen.add(rule.comment)
                continue
            actions.append(DeleteRule(rule.table, ("-D",) + rule.spec))
        wanted_rules = [r for r in wanted_rules if _comment_of(r) not in seen]

    # addresses
    managed_ips = _all_vip_ips(obs.services) | obs.recorded_vips
    for a in obs.addresses:
        if a.ip not in managed_ips or a.ip == obs.node_addr:
            continue
        w = wanted_vips.get(a.ip)
        if w is None or w.address != a:
            actions.append(RemoveAddress(a.ip, a.prefixlen, a.interface))

    # node labels
    managed_marks = {s.labels[MARK_LABEL].strip() for s in obs.services if s.labels.get(MARK_LABEL)}
    managed_marks |= obs.recorded_marks
    for label in sorted(obs.node_labels):
        if label in managed_marks and label not in wanted_marks:
            actions.append(RemoveLabel(label))
    for label in sorted(wanted_marks):
        if obs.node_labels.get(label) != "true":
            actions.append(AddLabel(label))

    present = set(obs.addresses)
    for ip, w in sorted(wanted_vips.items()):
        if w.address not in present and ip not in obs.held_back_vips and not w.blocked:
            actions.append(AddAddress(ip, w.address.prefixlen, w.address.interface, w.router, w.service))
    actions.extend(wanted_rules)
    if any(w.blocked for w in wanted_vips.values()):
        actions.append(Recheck(2.0))
    return warnings + actions


# ---------------------------------------------------------------- parsing command output

def parse_ip_json(text: str) -> Tuple[Address, ...]:
    """``ip -j -4 addr show``."""
    out = []
    for link in json.loads(text or "[]"):
        for info in link.get("addr_info", []):
            if info.get("family") == "inet" and "local" in info:
                out.append(Address(link["ifname"], info["local"], int(info["prefixlen"])))
    return tuple(out)


def parse_iptables_save(table: str, text: str) -> Tuple[Rule, ...]:
    """The hive_ rules among ``iptables -t <table> -S``."""
    rules = []
    for line in text.splitlines():
        if not line.startswith("-A "):
            continue
        words = shlex.split(line)
        if "--comment" not in words:
            continue
        comment = words[words.index("--comment") + 1]
        if comment.startswith(RULE_PREFIX):
            rules.append(Rule(table, comment, tuple(words[1:])))
    return tuple(rules)


def parse_gwbridge_containers(text: str) -> Dict[str, str]:
    """``docker network inspect docker_gwbridge --format '{{json .Containers}}'``: container id -> IPv4."""
    containers = json.loads(text or "null") or {}
    out = {}
    for cid, info in containers.items():
        addr = (info or {}).get("IPv4Address") or ""
        if addr:
            out[cid] = addr.split("/")[0]
    return out


# ---------------------------------------------------------------- I/O

class ObserveError(Exception):
    pass


Runner = Callable[[Sequence[str]], Tuple[int, str, str]]


def run_command(argv: Sequence[str], timeout: float = 60) -> Tuple[int, str, str]:
    try:
        proc = subprocess.run(list(argv), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              encoding="utf-8", timeout=timeout)
    except FileNotFoundError:
        return 127, "", f"{argv[0]}: command not found"
    except subprocess.TimeoutExpired:
        return 124, "", f"{argv[0]}: timed out after {timeout}s"
    return proc.returncode, proc.stdout, proc.stderr


@dataclass
class Config:
    docker: str = "docker"
    interval: float = 30.0
    debounce: float = 1.0
    state_file: str = "/var/lib/hive/follow-swarm-service.json"
    router_tries: int = 5
    router_interval: float = 10.0
    hold_back: float = 60.0

    @staticmethod
    def from_env(env: Mapping[str, str]) -> "Config":
        c = Config()
        c.docker = env.get("HIVE_DOCKER_CLI", c.docker)
        c.interval = float(env.get("HIVE_RECONCILE_INTERVAL", c.interval))
        c.debounce = float(env.get("HIVE_EVENT_DEBOUNCE", c.debounce))
        c.state_file = env.get("HIVE_STATE_FILE", c.state_file)
        c.router_tries = int(env.get("HIVE_ROUTER_TRIES", c.router_tries))
        c.router_interval = float(env.get("HIVE_ROUTER_INTERVAL", c.router_interval))
        c.hold_back = float(env.get("HIVE_VIP_HOLD_BACK", c.hold_back))
        return c


class Host:
    """Observes and changes this node through the docker, ip, arping, ping and iptables commands."""

    def __init__(self, config: Config, run: Runner = run_command, sleep: Callable[[float], None] = time.sleep):
        self.c = config
        self.run = run
        self.sleep = sleep
        self.node_id = ""
        self.recorded_marks: set = set()
        self.recorded_vips: set = set()
        self.held_back: Dict[str, float] = {}
        self.arping_warned = False
        self.last_warnings: set = set()
        self._load_state()

    # state file: what this daemon added, so it can take it back after a restart
    # even when the service that asked for it is gone
    def _load_state(self) -> None:
        try:
            with open(self.c.state_file, encoding="utf-8") as f:
                data = json.load(f)
            self.recorded_marks = set(data.get("marks", []))
            self.recorded_vips = set(data.get("vips", []))
        except FileNotFoundError:
            pass
        except (OSError, ValueError) as e:
            LOG.warning("state file %s unreadable (%s); starting from docker's view only", self.c.state_file, e)

    def _save_state(self) -> None:
        data = {"marks": sorted(self.recorded_marks), "vips": sorted(self.recorded_vips)}
        try:
            os.makedirs(os.path.dirname(self.c.state_file) or ".", exist_ok=True)
            tmp = self.c.state_file + ".tmp"
            with open(tmp, "w", encoding="utf-8") as f:
                json.dump(data, f)
            os.replace(tmp, self.c.state_file)
        except OSError as e:
            LOG.warning("cannot write state file %s: %s", self.c.state_file, e)

    def _docker(self, *args: str) -> str:
        rc, out, err = self.run([self.c.docker, *args])
        if rc != 0:
            raise ObserveError(f"docker {' '.join(args[:3])}: {err.strip() or f'exit {rc}'}")
        return out

    def observe(self) -> Observed:
        node = json.loads(self._docker("node", "inspect", "self", "--format", "{{json .}}"))
        self.node_id = node["ID"]
        spec = node.get("Spec") or {}
        service_ids = self._docker("service", "ls", "-q").split()
        services = []
        if service_ids:
            fmt = '{"id":{{json .ID}},"name":{{json .Spec.Name}},"labels":{{json .Spec.Labels}}}'
            for line in self._docker("service", "inspect", "--format", fmt, *service_ids).splitlines():
                if line.strip():
                    s = json.loads(line)
                    services.append(Service(s["id"], s["name"], s.get("labels") or {}))
        task_ids = self._docker("node", "ps", "self", "-q", "--no-trunc", "--filter", "desired-state=running").split()
        raw_tasks = json.loads(self._docker("inspect", "--type", "task", *task_ids)) if task_ids else []
        wants_nat = {s.id for s in services if any(
            k.startswith("HIVE_DNAT_PORTS") or k.startswith("HIVE_ENABLE_VIP_SNAT") for k in s.labels)}
        ips: Dict[str, str] = {}
        if any(t.get("ServiceID") in wants_nat for t in raw_tasks):
            rc, out, _ = self.run([self.c.docker, "network", "inspect", GWBRIDGE, "--format", "{{json .Containers}}"])
            ips = parse_gwbridge_containers(out) if rc == 0 else {}
        tasks = []
        for t in raw_tasks:
            status = t.get("Status") or {}
            cid = (status.get("ContainerStatus") or {}).get("ContainerID") or ""
            tasks.append(Task(t["ID"], t.get("ServiceID", ""), status.get("State", ""), ips.get(cid)))
        busy = self._busy_elsewhere(node["ID"], services, raw_tasks)
        rc, out, err = self.run(["ip", "-j", "-4", "addr", "show"])
        if rc != 0:
            raise ObserveError(f"ip addr: {err.strip()}")
        rules: Optional[Tuple[Rule, ...]] = ()
        for table in ("nat", "filter"):
            rc, out_t, _ = self.run(["iptables", "-w", "5", "-t", table, "-S"])
            if rc != 0:
                rules = None
                break
            rules = rules + parse_iptables_save(table, out_t)
        now = time.monotonic()
        self.held_back = {ip: until for ip, until in self.held_back.items() if until > now}
        return Observed(
            node_id=node["ID"],
            node_addr=(node.get("Status") or {}).get("Addr", ""),
            availability=spec.get("Availability", ""),
            node_labels=spec.get("Labels") or {},
            services=tuple(services),
            tasks=tuple(tasks),
            addresses=parse_ip_json(out),
            rules=rules,
            recorded_marks=frozenset(self.recorded_marks),
            recorded_vips=frozenset(self.recorded_vips),
            held_back_vips=frozenset(self.held_back),
            busy_elsewhere=busy,
        )

    def _busy_elsewhere(self, node_id: str, services: Sequence[Service], raw_tasks: Sequence[dict]) -> Dict[str, str]:
        """For the VIP services with a task here: another node that is up and still runs
        one of their tasks (whatever its desired state), so that a moving VIP is
        taken only once the old container has stopped, never held twice."""
        vip_services = {s.id for s in services if any(s.labels.get("HIVE_VIP" + x) for x in VIP_SUFFIXES)}
        wanted = sorted({t.get("ServiceID", "") for t in raw_tasks} & vip_services)
        if not wanted:
            return {}
        task_ids = self._docker("service", "ps", "-q", "--no-trunc", *wanted).split()
        tasks = json.loads(self._docker("inspect", "--type", "task", *task_ids)) if task_ids else []
        nodes = {}
        for line in self._docker("node", "ls", "--format", '{"id":{{json .ID}},"host":{{json .Hostname}},"status":{{json .Status}}}').splitlines():
            if line.strip():
                n = json.loads(line)
                nodes[n["id"]] = n
        busy: Dict[str, str] = {}
        for t in tasks:
            other = nodes.get(t.get("NodeID", ""))
            state = (t.get("Status") or {}).get("State", "")
            if other and other["id"] != node_id and other["status"] == "Ready" and state == "running":
                busy[t["ServiceID"]] = other["host"]
        return busy

    def _ok(self, argv: Sequence[str]) -> bool:
        rc, out, err = self.run(argv)
        if rc != 0:
            LOG.error("%s failed (exit %d): %s", " ".join(argv), rc, (err or out).strip())
        return rc == 0

    def _announce(self, a: AddAddress) -> None:
        if shutil.which("arping") is None:
            if not self.arping_warned:
                LOG.warning("arping is not installed: no gratuitous ARP, neighbours learn VIPs when their caches expire")
                self.arping_warned = True
            return
        for mode in ("-U", "-A"):
            rc, _, err = self.run(["arping", "-c", "1", mode, "-I", a.interface, a.ip])
            if rc != 0:
                LOG.debug("arping %s %s: exit %d %s", mode, a.ip, rc, err.strip())

    def _add_address(self, a: AddAddress) -> bool:
        if not self._ok(["ip", "-4", "addr", "add", f"{a.ip}/{a.prefixlen}", "dev", a.interface]):
            return False
        self.recorded_vips.add(a.ip)
        self._announce(a)
        if not a.router:
            return True
        for attempt in range(1, self.c.router_tries + 1):
            rc, _, _ = self.run(["ping", "-c", "1", "-W", "2", "-I", a.ip, a.router])
            if rc == 0:
                LOG.info("router %s answers from VIP %s", a.router, a.ip)
                return True
            LOG.warning("router %s does not answer from VIP %s (try %d of %d)", a.router, a.ip, attempt, self.c.router_tries)
            if attempt < self.c.router_tries:
                self.sleep(self.c.router_interval)
                self._announce(a)
        LOG.error("giving up VIP %s: router %s unreachable; retrying in %ds", a.ip, a.router, self.c.hold_back)
        if self._ok(["ip", "-4", "addr", "del", f"{a.ip}/{a.prefixlen}", "dev", a.interface]):
            self.recorded_vips.discard(a.ip)
        self.held_back[a.ip] = time.monotonic() + self.c.hold_back
        return False

    def apply(self, actions: Sequence[Action]) -> None:
        failed_vips = set()
        warnings = {a.message for a in actions if isinstance(a, Warn)}
        for action in actions:
            if isinstance(action, Recheck):
                continue
            if isinstance(action, Warn):
                # a standing problem is reported when it appears, not on every reconcile
                LOG.log(logging.DEBUG if action.message in self.last_warnings else logging.WARNING, "%s", action.message)
                continue
            LOG.info("%s", action.describe())  # type: ignore[attr-defined]
            if isinstance(action, AddLabel):
                if self._ok([self.c.docker, "node", "update", "--label-add", f"{action.label}=true", self.node_id]):
                    self.recorded_marks.add(action.label)
            elif isinstance(action, RemoveLabel):
                if self._ok([self.c.docker, "node", "update", "--label-rm", action.label, self.node_id]):
                    self.recorded_marks.discard(action.label)
            elif isinstance(action, AddAddress):
                if not self._add_address(action):
                    failed_vips.add(action.ip)
            elif isinstance(action, RemoveAddress):
                if self._ok(["ip", "-4", "addr", "del", f"{action.ip}/{action.prefixlen}", "dev", action.interface]):
                    self.recorded_vips.discard(action.ip)
            elif isinstance(action, AddRule):
                if action.vip in failed_vips:
                    continue
                self._ok(["iptables", "-w", "5", "-t", action.table, *action.args])
            elif isinstance(action, DeleteRule):
                self._ok(["iptables", "-w", "5", "-t", action.table, *action.args])
        self.last_warnings = warnings
        self._save_state()

    def reconcile(self) -> Optional[float]:
        """One observe-decide-apply round: None when docker could not be asked (nothing was
        changed), else how soon to look again (0 = at the usual interval)."""
        try:
            observed = self.observe()
        except (ObserveError, ValueError, KeyError) as e:
            LOG.warning("cannot observe the node, changing nothing: %s", e)
            return None
        actions = decide(observed)
        self.apply(actions)
        return min((a.seconds for a in actions if isinstance(a, Recheck)), default=0.0)


class EventWatcher(threading.Thread):
    """Follows ``docker events`` and reconnects with backoff when the stream
    ends (docker restarting); every event only wakes the reconcile loop."""

    FILTERS = ("type=service", "type=node", "type=container",
               "event=create", "event=update", "event=remove", "event=start", "event=die")

    def __init__(self, config: Config, wake: "queue.Queue[str]", stopping: threading.Event):
        super().__init__(daemon=True, name="docker-events")
        self.c = config
        self.wake = wake
        self.stopping = stopping
        self.proc: Optional[subprocess.Popen] = None

    def run(self) -> None:
        backoff = 1.0
        while not self.stopping.is_set():
            argv = [self.c.docker, "events", "--format", "{{json .}}"]
            for f in self.FILTERS:
                argv += ["--filter", f]
            started = time.monotonic()
            try:
                with subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, encoding="utf-8") as proc:
                    self.proc = proc
                    assert proc.stdout is not None and proc.stderr is not None
                    for line in proc.stdout:
                        if line.strip():
                            self.wake.put("event")
                    err = proc.stderr.read().strip()
            except OSError as e:
                err = str(e)
            if self.stopping.is_set():
                return
            if time.monotonic() - started > 60:
                backoff = 1.0  # a stream that lived a while starts the backoff afresh
            LOG.warning("docker event stream ended (%s); reconnecting in %.0fs", err or "no message", backoff)
            # the engine may have changed while the stream was down
            self.wake.put("reconnect")
            self.stopping.wait(backoff)
            backoff = min(backoff * 2, 30.0)

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()


def serve(config: Config) -> int:
    host = Host(config)
    wake: "queue.Queue[str]" = queue.Queue()
    stopping = threading.Event()

    def on_signal(signum: int, _frame: object) -> None:
        LOG.info("signal %d: stopping (VIPs and labels stay until the next start reconciles them)", signum)
        stopping.set()
        wake.put("stop")

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    watcher = EventWatcher(config, wake, stopping)
    watcher.start()
    LOG.info("started (reconcile every %.0fs, docker %s)", config.interval, config.docker)
    failures = 0
    next_due = time.monotonic()
    while not stopping.is_set():
        try:
            wake.get(timeout=max(0.0, next_due - time.monotonic()))
            # let a burst of events settle, then reconcile once
            stopping.wait(config.debounce)
            while not wake.empty():
                wake.get_nowait()
        except queue.Empty:
            pass
        if stopping.is_set():
            break
        soon = host.reconcile()
        if soon is not None:
            failures = 0
            next_due = time.monotonic() + (soon or config.interval)
        else:
            failures += 1
            delay = min(config.interval, 2.0 ** failures)
            LOG.info("retrying in %.0fs", delay)
            next_due = time.monotonic() + delay
    watcher.stop()
    LOG.info("stopped")
    return 0


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(description="Make this swarm node follow its tasks: node labels, VIPs, NAT rules.")
    parser.add_argument("--once", action="store_true", help="reconcile once and exit (1 if docker could not be asked)")
    parser.add_argument("--dry-run", action="store_true", help="print the actions of one reconcile without applying them")
    args = parser.parse_args(argv)
    logging.basicConfig(level=os.environ.get("HIVE_LOG_LEVEL", "INFO").upper(), stream=sys.stderr,
                        format="%(levelname)s %(message)s")
    config = Config.from_env(os.environ)
    if args.dry_run:
        host = Host(config)
        try:
            actions = decide(host.observe())
        except (ObserveError, ValueError, KeyError) as e:
            LOG.error("cannot observe the node: %s", e)
            return 1
        for action in actions:
            print(action.describe())  # type: ignore[attr-defined]
        return 0
    if args.once:
        return 0 if Host(config).reconcile() is not None else 1
    return serve(config)


if __name__ == "__main__":
    sys.exit(main())
