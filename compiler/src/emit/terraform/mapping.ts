/**
 * What a cloud mapping is: for each abstract kind of resource, the Terraform resources that
 * make it on one provider. A mapping builds one kind at one level (shared by the stack, or
 * once per tenant) from the parts built before it; `emit/terraform/stack.ts` decides the
 * levels from the isolation model and calls the kinds in dependency order.
 */
import { unexpected } from "../bundle/values.js";
import type { StackBuild, Who } from "./constructs.js";
import type { StackSpec } from "./layout.js";

/** What earlier kinds made, as Terraform expressions ready to use at the caller's level. */
export type Parts = Readonly<Record<string, string | readonly string[]>>;

/** One expression among the parts; a mapping that needs one not built yet is a bug. */
export function one(parts: Parts, key: string): string {
  const value = parts[key];
  return typeof value === "string" ? value : unexpected(`no \`${key}\` among the parts built so far`);
}

/** A list of expressions among the parts. */
export function many(parts: Parts, key: string): readonly string[] {
  const value = parts[key];
  return Array.isArray(value) ? (value as readonly string[]) : unexpected(`no list \`${key}\` among the parts built so far`);
}

export interface KindInput {
  readonly b: StackBuild;
  readonly spec: StackSpec;
  readonly who: Who;
  /** Outputs of the kinds built before, at a level this one may use. */
  readonly parts: Parts;
  /** Names resources: `<prefix>-<owner>-<what>`. */
  readonly name: (what: string) => string;
}

export interface CloudMapping {
  /** The provider block, any stack-wide variables and data sources. */
  provider(b: StackBuild, spec: StackSpec): void;
  /** How tags reach a resource: AWS and Azure `tags` maps, GCP `labels`, OCI `freeform_tags`, IBM `key:value` lists. */
  readonly tagValue: (value: string) => string;
  readonly keys: (input: KindInput) => Parts;
  readonly network: (input: KindInput) => Parts;
  readonly identity: (input: KindInput) => Parts;
  readonly storage: (input: KindInput) => Parts;
  readonly database: (input: KindInput) => Parts;
  readonly compute: (input: KindInput) => Parts;
}

/** `{ Version = "2012-10-17", Statement = [...] }` as the JSON text IAM wants. */
export function json(value: unknown): string {
  return JSON.stringify(value);
}

export type { Who };
