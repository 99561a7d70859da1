/** The mapping of each provider (spec/infrastructure.md §1). */
import type { ProviderName } from "../infra.js";
import type { CloudMapping } from "../mapping.js";
import { aws } from "./aws.js";
import { azure } from "./azure.js";
import { gcp } from "./gcp.js";
import { ibm } from "./ibm.js";
import { oci } from "./oci.js";

const MAPPINGS: Readonly<Record<ProviderName, CloudMapping>> = { aws, azure, gcp, oci, ibm };

export function mappingOf(provider: ProviderName): CloudMapping {
  return MAPPINGS[provider];
}
