/**
 * The change summary `paybillc build` prints (spec/infrastructure.md §7): stacks and
 * tenants added, removed and changed against the previous build's manifest, and the
 * tenants whose plan change moves them to another isolation model — a move that needs a
 * data migration (pooled → silo: the tenant's rows leave the shared database), which the
 * build refuses unless told the move is planned. Moves are found against the committed
 * placements record (placements.ts) when there is one, so a fresh checkout without `out/`
 * still sees them; else against the previous manifest.
 */
import { compareStrings } from "../bundle/values.js";
import type { Manifest, TenantEntry } from "./manifest.js";

export interface IsolationMove {
  readonly tenant: string;
  readonly from: string;
  readonly to: string;
  readonly fromStack: string;
  readonly toStack: string;
}

export interface Changes {
  readonly first: boolean;
  readonly stacks: { readonly added: readonly string[]; readonly removed: readonly string[]; readonly changed: readonly string[]; readonly unchanged: number };
  readonly tenants: { readonly added: readonly string[]; readonly removed: readonly string[]; readonly changed: readonly string[] };
  readonly isolationMoves: readonly IsolationMove[];
}

/** `placed`: where each tenant was, from the committed record; default the previous manifest's tenants. */
export function changesBetween(previous: Manifest | undefined, next: Manifest, placed?: Readonly<Record<string, TenantEntry>>): Changes {
  const before: Pick<Manifest, "stacks" | "tenants"> = previous ?? { stacks: {}, tenants: {} };
  const diff = <T>(a: Readonly<Record<string, T>>, b: Readonly<Record<string, T>>, same: (x: T, y: T) => boolean) => {
    const added = Object.keys(b).filter((k) => !(k in a));
    const removed = Object.keys(a).filter((k) => !(k in b));
    const kept = Object.keys(b).filter((k) => k in a);
    const changed = kept.filter((k) => !same(a[k] as T, b[k] as T));
    return { added: added.sort(compareStrings), removed: removed.sort(compareStrings), changed: changed.sort(compareStrings), unchanged: kept.length - changed.length };
  };
  const stacks = diff(before.stacks, next.stacks, (x, y) => x.sha256 === y.sha256);
  const tenants = diff(before.tenants, next.tenants, (x, y) => x.plan === y.plan && x.stack === y.stack && x.region === y.region && x.cloud === y.cloud);
  const was = placed ?? before.tenants;
  const isolationMoves = Object.keys(next.tenants).sort(compareStrings).flatMap((name): IsolationMove[] => {
    const x = Object.hasOwn(was, name) ? was[name] : undefined;
    const y = next.tenants[name];
    return x === undefined || y === undefined || x.isolation === y.isolation ? [] : [{ tenant: name, from: x.isolation, to: y.isolation, fromStack: x.stack, toStack: y.stack }];
  });
  return { first: previous === undefined, stacks, tenants: { added: tenants.added, removed: tenants.removed, changed: tenants.changed }, isolationMoves };
}

/** The summary lines, for stderr. */
export function describeChanges(changes: Changes, stackCount: number): string[] {
  const { stacks, tenants } = changes;
  const list = (word: string, names: readonly string[]) => (names.length === 0 ? [] : [`  ${word} ${names.join(", ")}`]);
  const lines = changes.first ? [`terraform: ${stackCount} stack${stackCount === 1 ? "" : "s"} (no previous build in this output directory to compare with)`] : [
    `terraform: ${stackCount} stack${stackCount === 1 ? "" : "s"}; since the previous build ${stacks.added.length} added, ${stacks.removed.length} removed, ${stacks.changed.length} changed, ${stacks.unchanged} unchanged`,
    ...list("stacks added:", stacks.added),
    ...list("stacks removed (their state is left in place: run `terraform destroy` in them first):", stacks.removed),
    ...list("stacks changed:", stacks.changed),
    ...list("tenants added:", tenants.added),
    ...list("tenants removed:", tenants.removed),
    ...list("tenants changed:", tenants.changed),
  ];
  for (const move of changes.isolationMoves) {
    lines.push(`  tenant \`${move.tenant}\` moves from ${move.from} (${move.fromStack}) to ${move.to} (${move.toStack}): its data must be moved`);
  }
  return lines;
}
