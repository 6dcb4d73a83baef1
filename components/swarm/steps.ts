// The swarm's steps: pure planning from the site model.
import { STAGES, type Host, type Site } from "../../src/inventory/model";
import { plan, type StepPlan } from "../host/steps";
import { daemonSource, installScript, renderUnit } from "./daemon";

export const SWARM_PORT = 2377;

/**
 * docker_gwbridge on every hive (when internal_cidr is set) before anything joins, init on the first
 * hive, the manager join token read there, every other hive joining as a manager, and node labels
 * `<group>=true` set from the first hive, then the swarm extension daemon (follow-swarm-service) on
 * every hive once that hive is a labelled manager. `after` may name steps of this plan only; the component adds
 * the dependency on each server's host setup.
 */
export function swarmSteps(site: Site): StepPlan[] {
  const hives = site.hosts.filter((h) => h.isHive);
  const first = hives.find((h) => h.isFirstHive);
  if (first === undefined) throw new Error(`site ${site.name} (${site.stage}) has no first hive`);
  const gw = site.internalNetworks.gwbridge;
  const steps: StepPlan[] = [];
  const gwStep = (short: string) => (gw === null ? [] : [`gwbridge-${short}`]);
  if (gw !== null) {
    for (const h of hives) {
      steps.push(plan({ step: `gwbridge-${h.shortName}`, kind: "gwbridge", host: h.name, env: { HIVE_GWBRIDGE_SUBNET: gw } }));
    }
  }
  const initEnv: Record<string, string> = { HIVE_ADVERTISE_ADDR: first.privateIp };
  if (site.internalNetworks.ingress !== null && site.internalNetworks.ingressGateway !== null) {
    initEnv.HIVE_INGRESS_SUBNET = site.internalNetworks.ingress;
    initEnv.HIVE_INGRESS_GATEWAY = site.internalNetworks.ingressGateway;
  }
  steps.push(plan({ step: "init", kind: "swarm-init", host: first.name, env: initEnv, after: gwStep(first.shortName) }));
  const others = hives.filter((h) => h !== first);
  const knownLabels = [...new Set(["first_hive", "hives", "hosts", "repository", "servers", ...STAGES, ...hives.flatMap(nodeLabels)])].sort().join(" ");
  if (others.length > 0) steps.push(plan({ step: "join-token", kind: "swarm-token", host: first.name, env: {}, after: ["init"], secretStdout: true }));
  for (const h of others) {
    steps.push(
      plan({
        step: `join-${h.shortName}`,
        kind: "swarm-join",
        host: h.name,
        env: { HIVE_ADVERTISE_ADDR: h.privateIp, HIVE_MANAGER_ADDR: `${first.privateIp}:${SWARM_PORT}` },
        secrets: ["HIVE_JOIN_TOKEN"],
        after: ["init", "join-token", ...gwStep(h.shortName)],
      }),
    );
  }
  for (const h of hives) {
    steps.push(
      plan({
        step: `labels-${h.shortName}`,
        kind: "node-labels",
        host: first.name,
        env: { HIVE_NODE: h.shortName, HIVE_LABELS: nodeLabels(h).join(" "), HIVE_KNOWN_LABELS: knownLabels },
        after: [h === first ? "init" : `join-${h.shortName}`],
        deleteEnv: { HIVE_LABEL_MODE: "remove" },
      }),
    );
  }
  const daemonEnv = followSwarmServiceEnv();
  for (const h of hives) {
    steps.push(plan({ step: `follow-swarm-service-${h.shortName}`, kind: "follow-swarm-service", host: h.name, env: daemonEnv, after: [`labels-${h.shortName}`] }));
  }
  return steps;
}

/** The daemon, its unit and its install script, as the follow-swarm-service step receives them. */
export function followSwarmServiceEnv(): Record<string, string> {
  return { HIVE_FSS_DAEMON: daemonSource(), HIVE_FSS_UNIT: renderUnit(), HIVE_FSS_INSTALL: installScript() };
}

/**
 * The `<group>=true` labels of a swarm node: hive-builder labelled a node with every Ansible group of the host
 * (`group_names`), which includes `hosts`, the parent group of the servers; a taken-over site keeps them.
 */
export function nodeLabels(h: Host): string[] {
  return [...new Set([...h.groups, "hosts"])].sort();
}
