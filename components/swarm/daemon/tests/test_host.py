"""The I/O shell of follow-swarm-service, with the commands replaced by a recording fake."""

import json
import os
import sys
import tempfile
import unittest
from unittest import mock

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

import follow_swarm_service as fss  # noqa: E402
from follow_swarm_service import AddAddress, AddRule, Address, Config, Host, Rule, Task  # noqa: E402

NODE = {"ID": "n1", "Spec": {"Labels": {"hives": "true"}, "Availability": "active", "Role": "manager"},
        "Status": {"Addr": "10.0.0.5", "State": "ready"}}
IP_JSON = json.dumps([
    {"ifname": "lo", "addr_info": [{"family": "inet", "local": "127.0.0.1", "prefixlen": 8}]},
    {"ifname": "eth0", "addr_info": [{"family": "inet", "local": "10.0.0.5", "prefixlen": 24},
                                     {"family": "inet6", "local": "fe80::1", "prefixlen": 64}]},
    {"ifname": "eth1", "addr_info": []},
])
NAT_S = """-P PREROUTING ACCEPT
-N DOCKER
-A DOCKER -i docker_gwbridge -j RETURN
-A DOCKER -d 10.0.0.50/32 -p tcp -m tcp --dport 80 -m comment --comment hive_dnat_10.0.0.50_tcp_80_172.18.0.3_gw -j DNAT --to-destination 172.18.0.3:80
-A POSTROUTING -s 172.18.0.0/16 -m comment --comment "not ours" -j MASQUERADE
"""


class Fake:
    """Answers commands from a table of (argv prefix -> (rc, stdout, stderr)) and records every call."""

    def __init__(self, answers):
        self.answers = answers
        self.calls = []

    def __call__(self, argv):
        self.calls.append(list(argv))
        for prefix, answer in self.answers:
            if list(argv[:len(prefix)]) == prefix:
                return answer
        return 0, "", ""


def config(tmp):
    return Config(docker="docker", state_file=os.path.join(tmp, "state.json"), router_tries=3, router_interval=7)


READS = [
    (["docker", "node", "inspect"], (0, json.dumps(NODE), "")),
    (["docker", "service", "ls"], (0, "sw\nsm\n", "")),
    (["docker", "service", "inspect"], (0, '{"id":"sw","name":"gw","labels":{"HIVE_VIP":"10.0.0.50","HIVE_DNAT_PORTS":"80"}}\n'
                                          '{"id":"sm","name":"lead","labels":null}\n', "")),
    (["docker", "node", "ps"], (0, "t1\n", "")),
    (["docker", "inspect", "--type", "task"], (0, json.dumps([{"ID": "t1", "ServiceID": "sw", "Status": {
        "State": "running", "ContainerStatus": {"ContainerID": "c1"}}}]), "")),
    (["docker", "network", "inspect"], (0, json.dumps({"c1": {"IPv4Address": "172.18.0.3/16"},
                                                        "ingress-sbox": {"IPv4Address": "172.18.0.2/16"}}), "")),
    (["ip", "-j"], (0, IP_JSON, "")),
    (["iptables", "-w", "5", "-t", "nat", "-S"], (0, NAT_S, "")),
    (["iptables", "-w", "5", "-t", "filter", "-S"], (0, "-P INPUT ACCEPT\n", "")),
]


class ObserveTest(unittest.TestCase):
    def test_observe_reads_docker_ip_and_iptables(self):
        with tempfile.TemporaryDirectory() as tmp:
            obs = Host(config(tmp), run=Fake(READS)).observe()
        self.assertEqual(obs.node_id, "n1")
        self.assertEqual(obs.node_addr, "10.0.0.5")
        self.assertEqual(obs.node_labels, {"hives": "true"})
        self.assertEqual([s.labels for s in obs.services], [{"HIVE_VIP": "10.0.0.50", "HIVE_DNAT_PORTS": "80"}, {}])
        self.assertEqual(obs.tasks, (Task("t1", "sw", "running", "172.18.0.3"),))
        self.assertEqual(obs.addresses, (Address("lo", "127.0.0.1", 8), Address("eth0", "10.0.0.5", 24)))
        self.assertEqual(obs.rules, (Rule("nat", "hive_dnat_10.0.0.50_tcp_80_172.18.0.3_gw", (
            "DOCKER", "-d", "10.0.0.50/32", "-p", "tcp", "-m", "tcp", "--dport", "80", "-m", "comment", "--comment",
            "hive_dnat_10.0.0.50_tcp_80_172.18.0.3_gw", "-j", "DNAT", "--to-destination", "172.18.0.3:80")),))

    def test_reconcile_applies_and_records(self):
        with tempfile.TemporaryDirectory() as tmp:
            fake = Fake(READS)
            host = Host(config(tmp), run=fake)
            with mock.patch("shutil.which", return_value=None):
                self.assertEqual(host.reconcile(), 0.0)
            mutating = [c for c in fake.calls if c[:2] == ["ip", "-4"] or (c[0] == "iptables" and "-S" not in c)]
            self.assertEqual(mutating, [
                ["ip", "-4", "addr", "add", "10.0.0.50/24", "dev", "eth0"],
                ["iptables", "-w", "5", "-t", "filter", "-I", "DOCKER", "-d", "172.18.0.3/32", "!", "-i", "docker_gwbridge",
                 "-o", "docker_gwbridge", "-p", "tcp", "-m", "tcp", "--dport", "80", "-m", "comment", "--comment",
                 "hive_accept_10.0.0.50_tcp_80_172.18.0.3_gw", "-j", "ACCEPT"],
            ])
            with open(os.path.join(tmp, "state.json"), encoding="utf-8") as f:
                self.assertEqual(json.load(f), {"marks": [], "vips": ["10.0.0.50"]})

    def test_unreachable_docker_changes_nothing(self):
        with tempfile.TemporaryDirectory() as tmp:
            fake = Fake([(["docker", "node", "inspect"], (1, "", "Cannot connect to the Docker daemon"))] + READS)
            self.assertIsNone(Host(config(tmp), run=fake).reconcile())
            self.assertEqual(fake.calls, [["docker", "node", "inspect", "self", "--format", "{{json .}}"]])
            self.assertFalse(os.path.exists(os.path.join(tmp, "state.json")))

    def test_missing_iptables_means_rules_unknown(self):
        with tempfile.TemporaryDirectory() as tmp:
            reads = [r for r in READS if r[0][0] != "iptables"] + [(["iptables"], (127, "", "iptables: command not found"))]
            self.assertIsNone(Host(config(tmp), run=Fake(reads)).observe().rules)

    def test_state_file_survives_a_restart(self):
        with tempfile.TemporaryDirectory() as tmp:
            with open(os.path.join(tmp, "state.json"), "w", encoding="utf-8") as f:
                json.dump({"marks": ["leader"], "vips": ["10.0.0.60"]}, f)
            obs = Host(config(tmp), run=Fake(READS)).observe()
            self.assertEqual((obs.recorded_marks, obs.recorded_vips), (frozenset(["leader"]), frozenset(["10.0.0.60"])))


class BusyElsewhereTest(unittest.TestCase):
    OTHER_TASKS = [
        (["docker", "service", "ps"], (0, "t1\nt0\nt9\nt8\n", "")),
        (["docker", "inspect", "--type", "task", "t1", "t0", "t9", "t8"], (0, json.dumps([
            {"ID": "t1", "ServiceID": "sw", "NodeID": "n1", "Status": {"State": "running"}},
            {"ID": "t0", "ServiceID": "sw", "NodeID": "n2", "DesiredState": "shutdown", "Status": {"State": "running"}},
            {"ID": "t9", "ServiceID": "sw", "NodeID": "n3", "Status": {"State": "running"}},
            {"ID": "t8", "ServiceID": "sw", "NodeID": "n4", "Status": {"State": "shutdown"}},
        ]), "")),
        (["docker", "node", "ls"], (0, '{"id":"n1","host":"hive1","status":"Ready"}\n'
                                       '{"id":"n2","host":"hive2","status":"Ready"}\n'
                                       '{"id":"n3","host":"hive3","status":"Down"}\n'
                                       '{"id":"n4","host":"hive4","status":"Ready"}\n', "")),
    ]

    def test_vip_waits_while_a_live_node_still_runs_the_old_task(self):
        with tempfile.TemporaryDirectory() as tmp:
            fake = Fake(self.OTHER_TASKS + READS)
            host = Host(config(tmp), run=fake)
            self.assertEqual(host.observe().busy_elsewhere, {"sw": "hive2"})
            with mock.patch("shutil.which", return_value=None):
                self.assertEqual(host.reconcile(), 2.0)
            # no VIP taken; the NAT rule already listed for it is stale and goes
            self.assertEqual([c[:7] for c in fake.calls if c[:2] == ["ip", "-4"] or (c[0] == "iptables" and "-S" not in c)],
                             [["iptables", "-w", "5", "-t", "nat", "-D", "DOCKER"]])

    def test_down_node_does_not_hold_the_vip_back(self):
        tasks = [(p, a) for p, a in self.OTHER_TASKS if p[:2] != ["docker", "node"]]
        nodes = (["docker", "node", "ls"], (0, '{"id":"n2","host":"hive2","status":"Down"}\n', ""))
        with tempfile.TemporaryDirectory() as tmp:
            self.assertEqual(Host(config(tmp), run=Fake(tasks + [nodes] + READS)).observe().busy_elsewhere, {})


class RouterCheckTest(unittest.TestCase):
    def test_unreachable_router_backs_out_and_holds_back(self):
        with tempfile.TemporaryDirectory() as tmp:
            fake = Fake([(["ping"], (1, "", ""))])
            sleeps = []
            host = Host(config(tmp), run=fake, sleep=sleeps.append)
            host.node_id = "n1"
            rule = AddRule("nat", ("-I", "DOCKER", "-m", "comment", "--comment", "hive_x"), "10.0.0.50")
            with mock.patch("shutil.which", return_value="/usr/bin/arping"):
                host.apply([AddAddress("10.0.0.50", 24, "eth0", "10.0.0.1", "gw"), rule])
            self.assertEqual(fake.calls, [
                ["ip", "-4", "addr", "add", "10.0.0.50/24", "dev", "eth0"],
                ["arping", "-c", "1", "-U", "-I", "eth0", "10.0.0.50"],
                ["arping", "-c", "1", "-A", "-I", "eth0", "10.0.0.50"],
                ["ping", "-c", "1", "-W", "2", "-I", "10.0.0.50", "10.0.0.1"],
                ["arping", "-c", "1", "-U", "-I", "eth0", "10.0.0.50"],
                ["arping", "-c", "1", "-A", "-I", "eth0", "10.0.0.50"],
                ["ping", "-c", "1", "-W", "2", "-I", "10.0.0.50", "10.0.0.1"],
                ["arping", "-c", "1", "-U", "-I", "eth0", "10.0.0.50"],
                ["arping", "-c", "1", "-A", "-I", "eth0", "10.0.0.50"],
                ["ping", "-c", "1", "-W", "2", "-I", "10.0.0.50", "10.0.0.1"],
                ["ip", "-4", "addr", "del", "10.0.0.50/24", "dev", "eth0"],
            ])
            self.assertEqual(sleeps, [7, 7])
            self.assertEqual(set(host.held_back), {"10.0.0.50"})
            self.assertEqual(host.recorded_vips, set())

    def test_router_answering_keeps_vip_and_missing_arping_is_tolerated(self):
        with tempfile.TemporaryDirectory() as tmp:
            fake = Fake([])
            host = Host(config(tmp), run=fake)
            with mock.patch("shutil.which", return_value=None), self.assertLogs(fss.LOG, "WARNING") as logs:
                host.apply([AddAddress("10.0.0.50", 24, "eth0", "10.0.0.1", "gw")])
            self.assertEqual(fake.calls, [
                ["ip", "-4", "addr", "add", "10.0.0.50/24", "dev", "eth0"],
                ["ping", "-c", "1", "-W", "2", "-I", "10.0.0.50", "10.0.0.1"],
            ])
            self.assertIn("arping is not installed", logs.output[0])
            self.assertEqual(host.recorded_vips, {"10.0.0.50"})


if __name__ == "__main__":
    unittest.main()


class WarningTest(unittest.TestCase):
    def test_standing_warning_is_logged_once(self):
        with tempfile.TemporaryDirectory() as tmp:
            host = Host(config(tmp), run=Fake([]))
            with self.assertLogs(fss.LOG, "DEBUG") as logs:
                host.apply([fss.Warn("w1")])
                host.apply([fss.Warn("w1")])
                host.apply([])
                host.apply([fss.Warn("w1")])
            self.assertEqual(logs.output, ["WARNING:follow-swarm-service:w1", "DEBUG:follow-swarm-service:w1",
                                           "WARNING:follow-swarm-service:w1"])


class EventWatcherTest(unittest.TestCase):
    def test_reconnects_when_the_stream_ends(self):
        # a docker CLI whose event stream ends after one event, as when dockerd restarts
        with tempfile.TemporaryDirectory() as tmp:
            cli = os.path.join(tmp, "docker")
            with open(cli, "w", encoding="utf-8") as f:
                f.write(f'#!/bin/sh\necho "$*" >> {tmp}/calls\necho \'{{"Type":"service"}}\'\necho gone >&2\nexit 1\n')
            os.chmod(cli, 0o755)
            wake = fss.queue.Queue()
            stopping = fss.threading.Event()
            watcher = fss.EventWatcher(Config(docker=cli), wake, stopping)
            with self.assertLogs(fss.LOG, "WARNING") as logs:
                watcher.start()
                seen = [wake.get(timeout=5) for _ in range(4)]
                stopping.set()
                watcher.join(timeout=5)
            self.assertFalse(watcher.is_alive())
            self.assertEqual(seen, ["event", "reconnect", "event", "reconnect"])
            self.assertIn("docker event stream ended (gone); reconnecting in 1s", logs.output[0])
            self.assertIn("reconnecting in 2s", logs.output[1])
            with open(os.path.join(tmp, "calls"), encoding="utf-8") as f:
                calls = f.read().splitlines()
            self.assertGreaterEqual(len(calls), 2)
            self.assertEqual(calls[0], "events --format {{json .}} " + " ".join("--filter " + x for x in fss.EventWatcher.FILTERS))
