"""Decision core of follow-swarm-service: given what the node looks like, the exact actions."""

import os
import sys
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from follow_swarm_service import (  # noqa: E402
    AddAddress, AddLabel, AddRule, Address, DeleteRule, Observed, Recheck, RemoveAddress, RemoveLabel, Rule,
    Service, Task, Warn, decide, parse_ports, parse_vip,
)

ETH0 = Address("eth0", "10.0.0.5", 24)
DOCKER0 = Address("docker0", "172.17.0.1", 16)
LO = Address("lo", "127.0.0.1", 8)

LEADER_A = Service("sa", "leader-a", {"HIVE_MARK": "leader"})
LEADER_B = Service("sb", "leader-b", {"HIVE_MARK": "leader"})
WEB = Service("sw", "web", {"HIVE_VIP": "10.0.0.50", "HIVE_ROUTER": "10.0.0.1"})
PLAIN = Service("sp", "plain", {})


def observed(**kw):
    base = dict(
        node_id="n1", node_addr="10.0.0.5", availability="active", node_labels={},
        services=(LEADER_A, LEADER_B, WEB, PLAIN), tasks=(), addresses=(LO, ETH0, DOCKER0), rules=(),
    )
    base.update(kw)
    return Observed(**base)


def running(service, task_id="t1", state="running", ip=None):
    return Task(task_id, service.id, state, ip)


class MarkTest(unittest.TestCase):
    def test_task_here_adds_label(self):
        self.assertEqual(decide(observed(tasks=(running(LEADER_A),))), [AddLabel("leader")])

    def test_label_already_there_changes_nothing(self):
        self.assertEqual(decide(observed(tasks=(running(LEADER_A),), node_labels={"leader": "true"})), [])

    def test_label_with_other_value_is_set_to_true(self):
        self.assertEqual(decide(observed(tasks=(running(LEADER_A),), node_labels={"leader": "no"})), [AddLabel("leader")])

    def test_task_left_removes_label(self):
        self.assertEqual(decide(observed(tasks=(), node_labels={"leader": "true", "hives": "true"})), [RemoveLabel("leader")])

    def test_two_services_same_label_kept_while_either_is_here(self):
        labels = {"leader": "true"}
        self.assertEqual(decide(observed(tasks=(running(LEADER_A),), node_labels=labels)), [])
        self.assertEqual(decide(observed(tasks=(running(LEADER_B, "t2"),), node_labels=labels)), [])
        self.assertEqual(decide(observed(tasks=(running(LEADER_A), running(LEADER_B, "t2")), node_labels=labels)), [])
        self.assertEqual(decide(observed(tasks=(), node_labels=labels)), [RemoveLabel("leader")])

    def test_labels_not_marked_by_any_service_are_left_alone(self):
        self.assertEqual(decide(observed(node_labels={"hives": "true", "first_hive": "true"})), [])

    def test_label_recorded_before_a_restart_is_removed_when_its_service_is_gone(self):
        obs = observed(services=(PLAIN,), node_labels={"leader": "true", "hives": "true"}, recorded_marks=frozenset(["leader"]))
        self.assertEqual(decide(obs), [RemoveLabel("leader")])

    def test_terminal_and_foreign_tasks_do_not_count(self):
        tasks = (running(LEADER_A, "t1", "shutdown"), running(LEADER_B, "t2", "failed"), Task("t3", "gone", "running"))
        self.assertEqual(decide(observed(tasks=tasks, node_labels={"leader": "true"})), [RemoveLabel("leader")])

    def test_starting_task_already_counts(self):
        self.assertEqual(decide(observed(tasks=(running(LEADER_A, state="preparing"),))), [AddLabel("leader")])

    def test_empty_mark_warns(self):
        svc = Service("se", "empty", {"HIVE_MARK": " "})
        self.assertEqual(decide(observed(services=(svc,), tasks=(running(svc),))), [Warn("service empty: empty HIVE_MARK ignored")])


class VipTest(unittest.TestCase):
    def test_task_here_adds_vip_to_interface_whose_network_contains_it(self):
        self.assertEqual(decide(observed(tasks=(running(WEB),))), [AddAddress("10.0.0.50", 24, "eth0", "10.0.0.1", "web")])

    def test_vip_present_changes_nothing(self):
        vip = Address("eth0", "10.0.0.50", 24)
        self.assertEqual(decide(observed(tasks=(running(WEB),), addresses=(LO, ETH0, vip, DOCKER0))), [])

    def test_task_left_removes_vip(self):
        vip = Address("eth0", "10.0.0.50", 24)
        self.assertEqual(decide(observed(addresses=(LO, ETH0, vip, DOCKER0))), [RemoveAddress("10.0.0.50", 24, "eth0")])

    def test_drained_node_drops_vip_and_label_even_with_task(self):
        vip = Address("eth0", "10.0.0.50", 24)
        obs = observed(availability="drain", tasks=(running(WEB), running(LEADER_A, "t2")),
                       addresses=(LO, ETH0, vip, DOCKER0), node_labels={"leader": "true"})
        self.assertEqual(decide(obs), [RemoveAddress("10.0.0.50", 24, "eth0"), RemoveLabel("leader")])

    def test_restart_reconciliation(self):
        # While the daemon was down, web moved away and leader-a arrived:
        # the stale VIP goes, the missing label comes; recorded state of a
        # deleted service's VIP is taken back too.
        stale = Address("eth0", "10.0.0.50", 24)
        old = Address("eth0", "10.0.0.60", 24)
        obs = observed(tasks=(running(LEADER_A),), addresses=(LO, ETH0, stale, old, DOCKER0),
                       recorded_vips=frozenset(["10.0.0.60"]))
        self.assertEqual(decide(obs), [
            RemoveAddress("10.0.0.50", 24, "eth0"), RemoveAddress("10.0.0.60", 24, "eth0"), AddLabel("leader"),
        ])

    def test_addresses_not_managed_are_left_alone(self):
        other = Address("eth0", "10.0.0.77", 24)
        self.assertEqual(decide(observed(addresses=(LO, ETH0, other, DOCKER0))), [])

    def test_explicit_prefix_and_interface(self):
        svc = Service("sx", "dns", {"HIVE_VIP": "192.168.9.9/32@lo"})
        self.assertEqual(decide(observed(services=(svc,), tasks=(running(svc),))), [AddAddress("192.168.9.9", 32, "lo", None, "dns")])

    def test_vip_on_wrong_interface_or_prefix_is_moved(self):
        svc = Service("sx", "dns", {"HIVE_VIP": "10.0.0.50/32@lo"})
        wrong = Address("eth0", "10.0.0.50", 24)
        self.assertEqual(decide(observed(services=(svc,), tasks=(running(svc),), addresses=(LO, ETH0, wrong))), [
            RemoveAddress("10.0.0.50", 24, "eth0"), AddAddress("10.0.0.50", 32, "lo", None, "dns"),
        ])

    def test_longest_matching_network_wins(self):
        wide = Address("eth1", "10.0.0.9", 8)
        self.assertEqual(decide(observed(tasks=(running(WEB),), addresses=(wide, ETH0))),
                         [AddAddress("10.0.0.50", 24, "eth0", "10.0.0.1", "web")])

    def test_numbered_variants(self):
        svc = Service("sn", "multi", {"HIVE_VIP0": "10.0.0.51", "HIVE_ROUTER0": "10.0.0.1", "HIVE_VIP3": "172.17.5.5"})
        self.assertEqual(decide(observed(services=(svc,), tasks=(running(svc),))), [
            AddAddress("10.0.0.51", 24, "eth0", "10.0.0.1", "multi"), AddAddress("172.17.5.5", 16, "docker0", None, "multi"),
        ])

    def test_no_interface_for_vip_warns_and_adds_nothing(self):
        svc = Service("sx", "far", {"HIVE_VIP": "192.168.1.1"})
        self.assertEqual(decide(observed(services=(svc,), tasks=(running(svc),))),
                         [Warn("service far: cannot place VIP 192.168.1.1: no interface has a network containing it")])

    def test_named_interface_without_address_warns(self):
        svc = Service("sx", "far", {"HIVE_VIP": "10.0.0.50@eth9"})
        self.assertEqual(decide(observed(services=(svc,), tasks=(running(svc),))),
                         [Warn("service far: cannot place VIP 10.0.0.50: interface eth9 has no IPv4 address or does not exist")])

    def test_bad_values_warn(self):
        svc = Service("sx", "bad", {"HIVE_VIP": "10.0.0.300", "HIVE_VIP1": "10.0.0.52", "HIVE_DNAT_PORTS1": "80/sctp",
                                    "HIVE_VIP_V6": "fd00::1"})
        self.assertEqual(decide(observed(services=(svc,), tasks=(running(svc),))), [
            Warn("service bad: label HIVE_VIP_V6 ignored, IPv6 virtual IPs are not supported"),
            Warn("service bad: '10.0.0.300' is not an IPv4 address (a.b.c.d, a.b.c.d/nn, a.b.c.d/nn@ifname)"),
            Warn("service bad: bad port '80/sctp' (port[/tcp|/udp], 1-65535)"),
        ])

    def test_own_address_is_never_a_vip(self):
        svc = Service("sx", "self", {"HIVE_VIP": "10.0.0.5"})
        self.assertEqual(decide(observed(services=(svc,), tasks=(running(svc),))),
                         [Warn("service self: VIP 10.0.0.5 is this node's own address, ignored")])

    def test_held_back_vip_is_not_retried_yet(self):
        self.assertEqual(decide(observed(tasks=(running(WEB),), held_back_vips=frozenset(["10.0.0.50"]))), [])

    def test_vip_waits_while_another_node_still_runs_the_task(self):
        obs = observed(tasks=(running(WEB),), busy_elsewhere={"sw": "hive2"})
        self.assertEqual(decide(obs), [Warn("service web: VIP 10.0.0.50 waits until its task on node hive2 stops"), Recheck(2.0)])

    def test_vip_already_held_here_is_kept_when_another_node_runs_a_task(self):
        vip = Address("eth0", "10.0.0.50", 24)
        obs = observed(tasks=(running(WEB),), addresses=(LO, ETH0, vip), busy_elsewhere={"sw": "hive2"})
        self.assertEqual(decide(obs), [])

    def test_same_vip_for_two_services_is_held_once(self):
        twin = Service("st", "twin", {"HIVE_VIP": "10.0.0.50"})
        obs = observed(services=(WEB, twin), tasks=(running(WEB), running(twin, "t2")))
        self.assertEqual(decide(obs), [
            Warn("service web: VIP 10.0.0.50 is already held for twin"),
            AddAddress("10.0.0.50", 24, "eth0", None, "twin"),
        ])


NAT = Service("sn", "gw", {"HIVE_VIP": "10.0.0.50", "HIVE_DNAT_PORTS": "80, 53/udp", "HIVE_ENABLE_VIP_SNAT": "True"})
VIP = Address("eth0", "10.0.0.50", 24)


def nat_rules(cip):
    return [
        AddRule("nat", ("-I", "DOCKER", "-d", "10.0.0.50/32", "-p", "tcp", "-m", "tcp", "--dport", "80",
                        "-m", "comment", "--comment", f"hive_dnat_10.0.0.50_tcp_80_{cip}_gw",
                        "-j", "DNAT", "--to-destination", f"{cip}:80"), "10.0.0.50"),
        AddRule("filter", ("-I", "DOCKER", "-d", f"{cip}/32", "!", "-i", "docker_gwbridge", "-o", "docker_gwbridge",
                           "-p", "tcp", "-m", "tcp", "--dport", "80",
                           "-m", "comment", "--comment", f"hive_accept_10.0.0.50_tcp_80_{cip}_gw", "-j", "ACCEPT"), "10.0.0.50"),
        AddRule("nat", ("-I", "DOCKER", "-d", "10.0.0.50/32", "-p", "udp", "-m", "udp", "--dport", "53",
                        "-m", "comment", "--comment", f"hive_dnat_10.0.0.50_udp_53_{cip}_gw",
                        "-j", "DNAT", "--to-destination", f"{cip}:53"), "10.0.0.50"),
        AddRule("filter", ("-I", "DOCKER", "-d", f"{cip}/32", "!", "-i", "docker_gwbridge", "-o", "docker_gwbridge",
                           "-p", "udp", "-m", "udp", "--dport", "53",
                           "-m", "comment", "--comment", f"hive_accept_10.0.0.50_udp_53_{cip}_gw", "-j", "ACCEPT"), "10.0.0.50"),
        AddRule("nat", ("-I", "POSTROUTING", "-s", f"{cip}/32", "-o", "eth0",
                        "-m", "comment", "--comment", f"hive_snat_10.0.0.50_eth0_{cip}_gw",
                        "-j", "SNAT", "--to-source", "10.0.0.50"), "10.0.0.50"),
    ]


def listed(rule):
    """The rule as iptables -S would list it (chain first, -I dropped)."""
    return Rule(rule.table, rule.args[rule.args.index("--comment") + 1], rule.args[1:])


class NatTest(unittest.TestCase):
    def test_vip_and_rules_added_with_the_container_address(self):
        obs = observed(services=(NAT,), tasks=(running(NAT, ip="172.18.0.3"),))
        self.assertEqual(decide(obs), [AddAddress("10.0.0.50", 24, "eth0", None, "gw")] + nat_rules("172.18.0.3"))

    def test_present_rules_change_nothing(self):
        rules = tuple(listed(r) for r in nat_rules("172.18.0.3"))
        obs = observed(services=(NAT,), tasks=(running(NAT, ip="172.18.0.3"),), addresses=(ETH0, VIP), rules=rules)
        self.assertEqual(decide(obs), [])

    def test_new_container_address_replaces_the_rules(self):
        old = tuple(listed(r) for r in nat_rules("172.18.0.3"))
        obs = observed(services=(NAT,), tasks=(running(NAT, ip="172.18.0.9"),), addresses=(ETH0, VIP), rules=old)
        self.assertEqual(decide(obs), [DeleteRule(r.table, ("-D",) + r.spec) for r in old] + nat_rules("172.18.0.9"))

    def test_leaving_removes_rules_before_the_vip(self):
        old = tuple(listed(r) for r in nat_rules("172.18.0.3"))
        obs = observed(services=(NAT,), addresses=(ETH0, VIP), rules=old)
        self.assertEqual(decide(obs), [DeleteRule(r.table, ("-D",) + r.spec) for r in old]
                         + [RemoveAddress("10.0.0.50", 24, "eth0")])

    def test_duplicate_rule_is_deleted_once(self):
        first = listed(nat_rules("172.18.0.3")[4])
        svc = Service("sn", "gw", {"HIVE_VIP": "10.0.0.50", "HIVE_ENABLE_VIP_SNAT": "true"})
        obs = observed(services=(svc,), tasks=(running(svc, ip="172.18.0.3"),), addresses=(ETH0, VIP), rules=(first, first))
        self.assertEqual(decide(obs), [DeleteRule("nat", ("-D",) + first.spec)])

    def test_container_without_gateway_address_waits(self):
        obs = observed(services=(NAT,), tasks=(running(NAT),))
        self.assertEqual(decide(obs), [
            Warn("service gw: no address on docker_gwbridge yet, NAT rules for VIP 10.0.0.50 wait"),
            AddAddress("10.0.0.50", 24, "eth0", None, "gw"),
        ])

    def test_without_iptables_rules_are_not_managed(self):
        obs = observed(services=(NAT,), tasks=(running(NAT, ip="172.18.0.3"),), rules=None)
        self.assertEqual(decide(obs), [
            Warn("iptables cannot be listed: NAT rules are not managed"),
            AddAddress("10.0.0.50", 24, "eth0", None, "gw"),
        ])

    def test_blocked_vip_gets_no_rules(self):
        obs = observed(services=(NAT,), tasks=(running(NAT, ip="172.18.0.3"),), busy_elsewhere={"sn": "hive2"})
        self.assertEqual(decide(obs), [Warn("service gw: VIP 10.0.0.50 waits until its task on node hive2 stops"), Recheck(2.0)])

    def test_held_back_vip_gets_no_rules(self):
        obs = observed(services=(NAT,), tasks=(running(NAT, ip="172.18.0.3"),), held_back_vips=frozenset(["10.0.0.50"]))
        self.assertEqual(decide(obs), [])


class ParseTest(unittest.TestCase):
    def test_vip_forms(self):
        self.assertEqual(parse_vip("10.1.2.3"), parse_vip(" 10.1.2.3 "))
        self.assertEqual((parse_vip("10.1.2.3/28@bond0").prefixlen, parse_vip("10.1.2.3/28@bond0").interface), (28, "bond0"))
        self.assertEqual(parse_vip("10.1.2.3@eth1").interface, "eth1")
        for bad, msg in [("10.1.2.3/33", "bad prefix length in '10.1.2.3/33' (1-32)"),
                         ("10.1.2.3@", "no interface after @ in '10.1.2.3@'"),
                         ("fd00::1", "'fd00::1': IPv6 virtual IPs are not supported")]:
            with self.assertRaises(ValueError) as ctx:
                parse_vip(bad)
            self.assertEqual(str(ctx.exception), msg)

    def test_ports(self):
        self.assertEqual(parse_ports("80,443/tcp, 53/udp,"), [("tcp", 80), ("tcp", 443), ("udp", 53)])
        self.assertEqual(parse_ports(""), [])
        with self.assertRaises(ValueError):
            parse_ports("70000")


if __name__ == "__main__":
    unittest.main()
