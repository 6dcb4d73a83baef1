// The inventory layer: files → parse → validate → derive → site model.
export * from "./model";
export { loadSite, VAR_GROUPS, type LoadOptions } from "./load";
export { InventoryError, formatProblems, didYouMean, levenshtein, type Problem } from "./errors";
export { allocate, newEntries, AllocationError, PORT_RANGE, MINOR_RANGE, EMPTY_ALLOCATIONS, type AllocationRequest } from "./allocate";
export { siteToJson } from "./json";
export { splitInternalCidr, parseCidr } from "./cidr";
export { parsePort, firewallPorts, shellSplit, type PortDef } from "./ports";
export { isSecretString } from "./templates";
export { builderSetVars, BUILDER_SET_VARIABLES } from "./builder-vars";
