/**
 * Generic cdktn constructs: a resource, data source and provider given as a Terraform type
 * and raw attributes (no prebuilt provider bindings, DESIGN.md), and `StackBuild`, which
 * the cloud mappings use to add them to one stack.
 *
 * References are written as Terraform expressions (`${aws_vpc.network.id}`), and a resource
 * created once per tenant is `for_each` over `local.tenants`; `StackBuild` knows which
 * level each resource is at and refuses a shared resource that points at a per-tenant one
 * (an internal error: a mapping bug, never a user's).
 */
import { TerraformDataSource, TerraformOutput, TerraformProvider, TerraformResource, type TerraformStack, TerraformVariable } from "cdktn";
import type { Construct } from "constructs";
import { KEPT_AT_OFFBOARDING } from "@paybill/server/terraform-manifest";
import { unexpected } from "../bundle/values.js";

type Attrs = Record<string, unknown>;

class RawResource extends TerraformResource {
  constructor(scope: Construct, id: string, type: string, private readonly attrs: Attrs) {
    super(scope, id, { terraformResourceType: type });
  }
  protected override synthesizeAttributes(): Attrs {
    return this.attrs;
  }
}

class RawData extends TerraformDataSource {
  constructor(scope: Construct, id: string, type: string, private readonly attrs: Attrs) {
    super(scope, id, { terraformResourceType: type });
  }
  protected override synthesizeAttributes(): Attrs {
    return this.attrs;
  }
}

export class RawProvider extends TerraformProvider {
  constructor(scope: Construct, name: string, source: string, version: string, private readonly attrs: Attrs) {
    super(scope, name, { terraformResourceType: name, terraformProviderSource: source, terraformGeneratorMetadata: { providerName: name, providerVersionConstraint: version } });
  }
  protected override synthesizeAttributes(): Attrs {
    return this.attrs;
  }
}

export type Level = "stack" | "each";

/** A resource or data source as the mappings see it: how to point at its attributes. */
export interface Handle {
  readonly address: string;
  readonly level: Level;
}

/**
 * Who a resource belongs to, as values Terraform reads: literals for a stack's shared
 * resources or a single tenant's stack, `each.*` expressions for per-tenant resources.
 */
export interface Who {
  readonly level: Level;
  readonly tenant: string;
  readonly plan: string;
  /** Lowercase, hyphenated: safe in every cloud's resource names. */
  readonly slug: string;
  /** Prefixes the logical ids of what is built for this owner (`platform_` for a stack key beside per-tenant keys). */
  readonly idPrefix?: string;
  readonly size: { readonly database: string; readonly storage_gb: string | number; readonly machine: string; readonly nodes: string | number };
  /**
   * The Terraform expression (without `${…}`) that is true while the owner offboards —
   * `each.value.offboarding` for a per-tenant owner, `var.offboarding` for a tenant's own
   * stack; absent for a shared owner, whose protection no tenant lifts.
   */
  readonly offboarding?: string;
}

/** Deletion protection as the cloud's setting asks, lifted while the owner offboards. */
export function protection(who: Who, setting: boolean): boolean | string {
  return setting && who.offboarding !== undefined ? `\${!${who.offboarding}}` : setting;
}

/** `force_destroy` and the like: only while the owner offboards (its data goes with it). */
export function whenOffboarding(who: Who): boolean | string {
  return who.offboarding === undefined ? false : `\${${who.offboarding}}`;
}

/**
 * A resource that outlives its owner's offboarding (COMPLIANCE-locked audit checkpoints): the
 * Terraform provisioner takes it out of the state before the destroy instead of destroying
 * it (`"//": { "paybill": … }` — Terraform's JSON comment, beside cdktn's metadata — carries the mark).
 */
export { KEPT_AT_OFFBOARDING };

export interface ResourceOptions {
  /** Kept, not destroyed, when its owner offboards (`KEPT_AT_OFFBOARDING`). */
  readonly kept?: boolean;
  /** Where the owner's tags go: a map attribute (`tags`, `labels`, …), a `key:value` list (IBM), or nowhere. */
  readonly tags?: "tags" | "labels" | "resource_labels" | "freeform_tags" | "list" | false;
  /** Addresses (`Handle.address`) of resources of the stack this one is created after and destroyed before. */
  readonly dependsOn?: readonly string[];
  /** Terraform's `lifecycle` block of the resource. */
  readonly lifecycle?: { readonly ignore_changes?: readonly string[]; readonly prevent_destroy?: boolean; readonly create_before_destroy?: boolean };
}

/**
 * Terraform's meta-arguments: never among a resource's attributes. cdktn merges a resource's
 * own `dependsOn`/`lifecycle` (unset for a raw resource) over its attributes, which deletes
 * any written there; they go in `ResourceOptions` and reach the JSON as overrides.
 */
const META = new Set(["depends_on", "lifecycle", "for_each", "count", "provider", "provisioner", "connection"]);

export class StackBuild {
  private readonly made = new Map<string, Handle>();
  /** Every resource of the stack by address, for `dependsOn`. */
  private readonly resources = new Map<string, Handle>();

  constructor(
    readonly stack: TerraformStack,
    private readonly pin: { readonly source: string; readonly version: string },
    /** Tags or labels every resource of the stack carries, besides those naming its owner. */
    private readonly tagsFor: (who: Who) => Record<string, string>,
  ) {}

  /** The stack's provider, pinned to the exact version std.clouds (or the cloud) names. */
  provider(name: string, attrs: Attrs): void {
    new RawProvider(this.stack, name, this.pin.source, this.pin.version, attrs);
  }

  resource(who: Who, type: string, baseId: string, attrs: Attrs, options: ResourceOptions = {}): Handle {
    const id = `${who.idPrefix ?? ""}${baseId}`;
    const tagKey = options.tags ?? false;
    const body: Attrs = { ...attrs };
    for (const key of Object.keys(body)) if (META.has(key)) unexpected(`the meta-argument \`${key}\` among the attributes of ${type}.${id}`);
    if (tagKey === "list") body.tags = Object.entries(this.tagsFor(who)).map(([k, v]) => `${k}:${v}`);
    else if (tagKey !== false) body[tagKey] = this.tagsFor(who);
    this.check(who.level, body);
    const after = (options.dependsOn ?? []).map((address) => this.resources.get(address) ?? unexpected(`${type}.${id} depends on ${address}, not made before it`));
    if (who.level === "stack" && after.some((h) => h.level === "each")) unexpected("a shared resource that depends on a per-tenant one");
    const r = new RawResource(this.stack, `${type}.${id}`, type, body);
    r.overrideLogicalId(id);
    if (who.level === "each") r.addOverride("for_each", "${local.tenants}");
    if (after.length > 0) r.addOverride("depends_on", after.map((h) => h.address));
    if (options.lifecycle !== undefined) r.addOverride("lifecycle", { ...options.lifecycle });
    if (options.kept === true) r.addOverride("//.paybill", KEPT_AT_OFFBOARDING);
    const handle: Handle = { address: `${type}.${id}`, level: who.level };
    this.resources.set(handle.address, handle);
    return handle;
  }

  /** A resource made once per owner and level, whichever kind asks first. */
  once(who: Who, type: string, baseId: string, attrs: () => Attrs, options: ResourceOptions = {}): Handle {
    const key = `${who.level}/${who.idPrefix ?? ""}${type}.${baseId}`;
    const found = this.made.get(key);
    if (found !== undefined) return found;
    const handle = this.resource(who, type, baseId, attrs(), options);
    this.made.set(key, handle);
    return handle;
  }

  /** The owner's tags as a map, for labels nested inside a resource. */
  labels(who: Who): Record<string, string> {
    return this.tagsFor(who);
  }

  variable(name: string, options: { type: string; description: string; default?: unknown }): void {
    new TerraformVariable(this.stack, `variable-${name}`, options).overrideLogicalId(name);
  }

  /** A data source made once per stack. */
  dataOnce(type: string, id: string, attrs: Attrs = {}): Handle {
    const key = `data/${type}.${id}`;
    const found = this.made.get(key);
    if (found !== undefined) return found;
    const handle = this.data(type, id, attrs);
    this.made.set(key, handle);
    return handle;
  }

  data(type: string, id: string, attrs: Attrs = {}): Handle {
    const d = new RawData(this.stack, `data.${type}.${id}`, type, attrs);
    d.overrideLogicalId(id);
    return { address: `data.${type}.${id}`, level: "stack" };
  }

  /**
   * A stack output of one attribute (`attr` may go on into it: `master_user_secret[0].secret_arn`):
   * its value, or for a per-tenant resource a map tenant => value — the shape the Terraform
   * provisioner reads a tenant's outputs by (spec/infrastructure.md §Outputs).
   */
  output(name: string, handle: Handle, attr: string, description: string): void {
    const value = handle.level === "each" ? `\${{ for tenant, r in ${handle.address} : tenant => r.${attr} }}` : this.ref(handle, attr);
    this.outputValue(name, value, description);
  }

  /** A stack output of a value that is the stack's (the same for every tenant): never a map. */
  outputValue(name: string, value: string, description: string): void {
    new TerraformOutput(this.stack, `output-${name}`, { value, description }).overrideLogicalId(name);
  }

  /** `${type.id.attr}`, or `${type.id[each.key].attr}` for a per-tenant resource. */

  ref(handle: Handle, attr: string): string {
    return `\${${this.expr(handle, attr)}}`;
  }

  /** The same without `${…}`, for use inside a larger expression. */
  expr(handle: Handle, attr: string): string {
    return handle.level === "each" ? `${handle.address}[each.key].${attr}` : `${handle.address}.${attr}`;
  }

  /** A shared resource cannot name a per-tenant one: there is no `each` at its level. */
  private check(level: Level, attrs: unknown): void {
    if (level === "each") return;
    const text = JSON.stringify(attrs);
    if (text.includes("[each.key]") || text.includes("each.value") || text.includes("${each.key}")) unexpected("a shared resource that refers to a per-tenant one");
  }
}
