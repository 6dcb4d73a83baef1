// The Pulumi program (`pulumi up -s <stage>`): stack config → inventory → resources; the stack outputs are
// what `main` resolves to.
import { loadSite } from "./inventory/load";
import { main } from "./program";

export = main(loadSite);
