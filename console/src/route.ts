/** The console's routes live in the fragment (`#/tenants/acme`): any static server serves them. */
import { useEffect, useState } from "preact/hooks";

export type Route =
  | { readonly page: "tenants" }
  | { readonly page: "tenant"; readonly id: string }
  | { readonly page: "runs"; readonly tenant?: string }
  | { readonly page: "run"; readonly id: string }
  | { readonly page: "approvals"; readonly id?: string }
  | { readonly page: "audit"; readonly tenant?: string };

export function parseRoute(hash: string): Route {
  const [path = "", query = ""] = hash.replace(/^#\/?/, "").split("?");
  const params = new URLSearchParams(query);
  const [head, id] = path.split("/").map((p) => decodeURIComponent(p));
  const tenant = params.get("tenant") ?? undefined;
  if (head === "tenants" && id !== undefined && id !== "") return { page: "tenant", id };
  if (head === "runs" && id !== undefined && id !== "") return { page: "run", id };
  if (head === "runs") return tenant === undefined ? { page: "runs" } : { page: "runs", tenant };
  if (head === "approvals") return id === undefined || id === "" ? { page: "approvals" } : { page: "approvals", id };
  if (head === "audit") return tenant === undefined ? { page: "audit" } : { page: "audit", tenant };
  return { page: "tenants" };
}

export const href = {
  tenant: (id: string): string => `#/tenants/${encodeURIComponent(id)}`,
  run: (id: string): string => `#/runs/${encodeURIComponent(id)}`,
  audit: (tenant: string): string => `#/audit?tenant=${encodeURIComponent(tenant)}`,
  runs: (tenant: string): string => `#/runs?tenant=${encodeURIComponent(tenant)}`,
};

export function useRoute(): Route {
  const [route, setRoute] = useState(() => parseRoute(location.hash));
  useEffect(() => {
    const changed = (): void => setRoute(parseRoute(location.hash));
    addEventListener("hashchange", changed);
    return () => removeEventListener("hashchange", changed);
  }, []);
  return route;
}
