/**
 * What the Terraform emitter reads from a checked model: the project's clouds (with their
 * provider's pinned Terraform provider, defaults and sizes, overridden by the cloud's own),
 * the isolation model and size of every plan, and the static tenants. Pure; names come
 * through the model's references, like the bundle's.
 *
 * Runs on a model without errors: a shape the checker refuses is an internal error here.
 */
import type { Block, CloudDecl, Entry, IsolationDecl, Model, ProviderDecl } from "@paybill/lang";
// The naming derivation alone (no database drivers): `check` loads it.
import * as cloudNames from "@paybill/runtime/cloud-names";
import { Names } from "../bundle/names.js";
import { select } from "../bundle/select.js";
import { attribute, block, entryKey, jsonOf, nameOf, sortedRecord, stringOf, unexpected } from "../bundle/values.js";

export const PROVIDERS = ["aws", "azure", "gcp", "oci", "ibm"] as const;
export type ProviderName = (typeof PROVIDERS)[number];
export const KINDS = ["keys", "network", "identity", "storage", "database", "compute"] as const;
export type Kind = (typeof KINDS)[number];
export const SIZES = ["small", "medium", "large"] as const;
export type Size = (typeof SIZES)[number];

export interface SizeSettings {
  readonly database: string;
  readonly storage_gb: number;
  readonly machine: string;
  readonly nodes: number;
}

export interface Settings {
  readonly postgres_version: string;
  readonly kubernetes_version: string;
  readonly network_cidr: string;
  readonly name_prefix: string;
  readonly deletion_protection: boolean;
}

export interface Backend {
  readonly type: "s3" | "azurerm" | "gcs" | "local";
  readonly settings: Readonly<Record<string, string | boolean>>;
}

export interface CloudInfo {
  readonly name: string;
  readonly provider: ProviderName;
  readonly region: string;
  readonly project: string | undefined;
  readonly account: string | undefined;
  readonly tags: Readonly<Record<string, string>>;
  readonly source: string;
  readonly version: string;
  readonly settings: Settings;
  readonly sizes: Readonly<Record<Size, SizeSettings>>;
  readonly backend: Backend | undefined;
  /** Where the stacks' state keys start when the backend sets no `key_prefix` (`prefix` for gcs): `paybill/<package>`, or `paybill` without one. */
  readonly stateKeyPrefix: string;
}

export interface IsolationInfo {
  readonly name: string;
  readonly dedicated: ReadonlySet<Kind>;
  readonly tenancy: string;
}

export interface PlanInfo {
  readonly name: string;
  readonly isolation: IsolationInfo;
  readonly cloud: string;
  readonly size: Size;
}

export interface TenantInfo {
  readonly name: string;
  readonly plan: string;
  readonly cloud: string;
  readonly region: string;
}

export interface Infra {
  readonly clouds: ReadonlyMap<string, CloudInfo>;
  readonly plans: ReadonlyMap<string, PlanInfo>;
  readonly tenants: readonly TenantInfo[];
}

const DEFAULT_SIZE: Readonly<Record<string, Size>> = { pooled: "small", bridge: "medium", silo: "large" };

export function readInfra(model: Model): Infra {
  const names = new Names(model);
  const selection = select(model);
  const clouds = new Map<string, CloudInfo>();
  const project = packageOf(model);
  const prefix = cloudNames.defaultPrefix(project ?? "paybill");
  for (const unit of model.units) {
    for (const decl of unit.ast.declarations) if (decl.kind === "Cloud") clouds.set((decl.name ?? decl.provider).name, cloud(model, decl, prefix, project));
  }
  const plans = new Map<string, PlanInfo>();
  for (const { decl } of selection.plans) {
    const isolation = attribute(decl.body, "isolation")?.value;
    if (isolation?.kind !== "Ref") return unexpected(`plan \`${decl.name.name}\` without an isolation model`);
    const model_ = names.declared(isolation.name, "isolation");
    if (model_.decl.kind !== "Isolation") return unexpected("an isolation reference to another kind");
    const info = isolationInfo(model_.name, model_.decl);
    const cloudName = isolation.on !== undefined ? names.name(isolation.on, "cloud") : clouds.size === 1 ? [...clouds.keys()][0] : undefined;
    if (cloudName === undefined) continue; // no cloud declared: the plan has no infrastructure to build
    const size = attribute(decl.body, "size")?.value;
    plans.set(decl.name.name, { name: decl.name.name, isolation: info, cloud: cloudName, size: size === undefined ? (DEFAULT_SIZE[info.name] ?? "medium") : (nameOf(size) as Size) });
  }
  const tenants: TenantInfo[] = [];
  for (const { decl } of selection.tenants) {
    const planRef = attribute(decl.body, "plan")?.value;
    if (planRef?.kind !== "Ref") return unexpected(`tenant \`${decl.name.name}\` without a plan`);
    const plan = plans.get(names.name(planRef.name, "plan"));
    if (plan === undefined) continue;
    const cloudRef = attribute(decl.body, "cloud")?.value;
    const cloudName = cloudRef?.kind === "Ref" ? names.name(cloudRef.name, "cloud") : plan.cloud;
    const info = clouds.get(cloudName);
    if (info === undefined) return unexpected(`the cloud \`${cloudName}\``);
    tenants.push({ name: decl.name.name, plan: plan.name, cloud: cloudName, region: stringOf(attribute(decl.body, "region")?.value) ?? info.region });
  }
  return { clouds, plans, tenants };
}

/** The project's package name (`acme.helpdesk` → `acme-helpdesk`): its identity in names and state keys. */
export function packageOf(model: Model): string | undefined {
  for (const unit of model.units) if (unit.ast.package !== undefined) return unit.ast.package.name.parts.map((p) => p.name).join("-");
  return undefined;
}


function isolationInfo(name: string, decl: IsolationDecl): IsolationInfo {
  const dedicated = new Set<Kind>();
  for (const kind of KINDS) if (stringOrName(attribute(decl.body, kind)?.value) === "dedicated") dedicated.add(kind);
  return { name, dedicated, tenancy: stringOrName(attribute(decl.body, "tenancy")?.value) ?? "row_level_security" };
}

function stringOrName(value: Parameters<typeof jsonOf>[0] | undefined): string | undefined {
  if (value === undefined) return undefined;
  const json = jsonOf(value);
  return typeof json === "string" ? json : undefined;
}

function cloud(model: Model, decl: CloudDecl, prefix: string, project: string | undefined): CloudInfo {
  const provider = model.references.get(decl.provider);
  if (provider?.decl.kind !== "Provider") return unexpected(`the provider of cloud \`${(decl.name ?? decl.provider).name}\``);
  const pdecl: ProviderDecl = provider.decl;
  if (!(PROVIDERS as readonly string[]).includes(provider.name)) return unexpected(`the provider \`${provider.name}\``);
  const terraform = block(pdecl.body, "terraform");
  const source = stringOf(attribute(terraform?.entries ?? [], "source")?.value);
  const version = stringOf(attribute(terraform?.entries ?? [], "version")?.value);
  if (source === undefined || version === undefined) return unexpected(`provider \`${provider.name}\` without a pinned Terraform provider`);
  const settings = { ...plain(block(pdecl.body, "defaults")), ...plain(block(decl.body, "defaults")) };
  const sizes = Object.fromEntries(
    ["small", "medium", "large"].map((size) => [size, { ...plain(block(block(pdecl.body, "sizes")?.entries ?? [], size)), ...plain(block(block(decl.body, "sizes")?.entries ?? [], size)) }]),
  );
  const tags = block(decl.body, "tags");
  const backend = block(decl.body, "backend");
  const backendSettings = plain(backend);
  return {
    name: (decl.name ?? decl.provider).name,
    provider: provider.name as ProviderName,
    region: stringOf(attribute(decl.body, "region")?.value) ?? unexpected("a cloud without a region"),
    project: stringOf(attribute(decl.body, "project")?.value),
    account: stringOf(attribute(decl.body, "account")?.value),
    tags: sortedRecord(Object.entries(plain(tags)).map(([k, v]) => [k, String(v)] as const)),
    source,
    version,
    settings: {
      postgres_version: String(settings.postgres_version ?? "16"),
      kubernetes_version: String(settings.kubernetes_version ?? "1.31"),
      network_cidr: String(settings.network_cidr ?? "10.0.0.0/16"),
      name_prefix: String(settings.name_prefix ?? prefix),
      deletion_protection: settings.deletion_protection !== false,
    },
    sizes: sizes as unknown as Record<Size, SizeSettings>,
    stateKeyPrefix: project === undefined ? "paybill" : `paybill/${cloudNames.cleanName(project)}`,
    backend:
      backend === undefined
        ? undefined
        : {
            type: String(backendSettings.type) as Backend["type"],
            settings: sortedRecord(Object.entries(backendSettings).filter(([k]) => k !== "type") as [string, string | boolean][]),
          },
  };
}

/** A block's `key = value` entries as plain JSON values. */
function plain(b: Block | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const entry of b?.entries ?? ([] as Entry[])) if (entry.kind === "Attribute") out[entryKey(entry)] = jsonOf(entry.value);
  return out;
}
