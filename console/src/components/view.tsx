/** Small shared pieces: an error line, a state badge, a loading line, a JSON value. */
import type { ComponentChildren } from "preact";
import type { Loaded } from "../load.js";

export function Problem({ message }: { message: string | undefined }) {
  return message === undefined ? null : (
    <p class="problem" role="alert">
      {message}
    </p>
  );
}

export function Badge({ value }: { value: string }) {
  return <span class={`badge badge-${value.replace(/[^a-z_]/g, "")}`}>{value}</span>;
}

/** Children once `loaded` has data; its error or "Loading…" before. */
export function Show<T>({ loaded, children }: { loaded: Loaded<T>; children: (data: T) => ComponentChildren }) {
  if (loaded.error !== undefined) return <Problem message={loaded.error} />;
  if (loaded.data === undefined) return <p class="muted">Loading…</p>;
  return <>{children(loaded.data)}</>;
}

export function Json({ value }: { value: unknown }) {
  return <code class="json">{JSON.stringify(value)}</code>;
}

export const when = (iso: string | undefined): string => (iso === undefined ? "" : iso.replace("T", " ").replace(/\.\d+Z$/, "Z"));
