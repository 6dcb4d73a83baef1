// Stage 3 of loading an inventory: the hive definition. Every stage is checked (as hive-builder parses them
// all) and the requested one derived into its spec and servers (names, addresses, zones, groups).
import { checkHiveName, deriveStage, type DerivedStage } from "./hosts";
import { InventoryError, type ProblemList } from "./errors";
import { STAGES, type Stage } from "./model";
import { isMapping, type InventoryFiles } from "./load-files";
import type { InventoryVariables } from "./load-variables";
import { check, hiveFileSchema, looseStageSchema, serviceSchema, servicesFileSchema, stageSchema, type ServiceInput } from "./schema";
import { pathString, type Path, type YamlFile } from "./yamlfile";

export interface HiveDefinition {
  readonly name: string;
  readonly derived: DerivedStage;
}

/** Checks a service definition without evaluating its templates (a template may stand for any type). */
export function checkRawService(name: string, raw: unknown, file: YamlFile, problems: ProblemList): ServiceInput | null {
  const isTemplateAt = (rel: Path) => {
    let v: unknown = raw;
    for (const p of rel) v = isMapping(v) || Array.isArray(v) ? (v as Record<string | number, unknown>)[p] : undefined;
    return typeof v === "string" && (v.includes("{{") || v.includes("{%"));
  };
  return check(serviceSchema, raw, file, ["services", name], problems, (rel) => !isTemplateAt(rel));
}

/**
 * The hive's name and the requested stage's derivation. When the stage cannot be derived, the services' shape
 * problems are still reported (templates cannot be evaluated without the servers) and loading stops.
 */
export function readHiveDefinition(files: InventoryFiles, stage: Stage, vars: InventoryVariables, problems: ProblemList): HiveDefinition {
  const { hiveFile } = files;
  const hive = check(hiveFileSchema, hiveFile.data, hiveFile, [], problems);
  const hiveData = isMapping(hiveFile.data) ? hiveFile.data : {};
  const name = hive?.name ?? (typeof hiveData.name === "string" ? hiveData.name : null);
  if (name === null) {
    problems.throwIfAny();
    throw new InventoryError([{ file: hiveFile.file, line: 1, column: 1, message: "name: the hive definition needs a name" }]);
  }
  const nameProblem = checkHiveName(name);
  if (nameProblem) problems.add(hiveFile.pos(["name"]), nameProblem);
  const stagesData = isMapping(hiveData.stages) ? hiveData.stages : {};
  if (!(stage in stagesData)) {
    const defined = Object.keys(stagesData).filter((s) => (STAGES as readonly string[]).includes(s));
    problems.add(hiveFile.keyPos(["stages"]), `stages.${stage}: not defined; defined stages: ${defined.join(", ") || "none"}`);
  }
  let derived: DerivedStage | null = null;
  for (const s of STAGES) {
    if (!(s in stagesData)) continue;
    const stagePath: Path = ["stages", s];
    const input = check(stageSchema, stagesData[s], hiveFile, stagePath, problems) ?? looseStageSchema.safeParse(stagesData[s]).data;
    if (!input) continue;
    const firstHiveDef = vars.firstHiveDef(s);
    let firstHiveIndex = 0;
    if (firstHiveDef) {
      const n = typeof firstHiveDef.raw === "string" ? Number(firstHiveDef.raw) : firstHiveDef.raw;
      if (typeof n !== "number" || !Number.isInteger(n)) {
        problems.add(firstHiveDef.pos ?? vars.stackPos, `first_hive: must be the index of a hive (an integer), but is ${JSON.stringify(firstHiveDef.raw)}`);
      } else firstHiveIndex = n;
    }
    const d = deriveStage(name, s, input, firstHiveIndex, hiveFile.keyPos(stagePath), (path, message) =>
      problems.add(hiveFile.keyPos([...stagePath, ...path]), `${pathString([...stagePath, ...path])}: ${message}`),
    );
    if (s === stage) derived = d;
  }
  if (!derived) {
    for (const f of files.serviceFiles) {
      const top = check(servicesFileSchema, f.data, f, [], problems);
      for (const [svcName, raw] of Object.entries(top?.services ?? {})) checkRawService(svcName, raw, f, problems);
    }
    problems.throwIfAny();
    throw new InventoryError([{ file: hiveFile.file, line: 1, column: 1, message: `stages.${stage}: cannot derive the hosts` }]);
  }
  return { name, derived };
}
