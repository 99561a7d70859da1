/**
 * State keys (spec/infrastructure.md §5): by default under `paybill/<package>`, so two
 * projects that share a state bucket never share a key (nor destroy each other's
 * resources); an explicit `key_prefix` (`prefix` for gcs) is kept as written.
 */
import { describe, expect, it } from "vitest";
import { emitTf } from "./support/terraform.js";

function project(pkg: string | undefined, backend: string): Record<string, string> {
  return {
    "infra.paybill": `${pkg === undefined ? "" : `package ${pkg}\n`}import std.isolation.{pooled, silo}
cloud aws main {
  region = "eu-west-1"
  backend { ${backend} }
}
plan free { price = 0, isolation = pooled }
plan enterprise { price = custom, isolation = silo }
tenant globex { plan = enterprise }
`,
  };
}

/** Each stack's backend, as `<type>: <key or prefix>`. */
function keys(files: Record<string, string>): Map<string, string> {
  const out = emitTf(files);
  return new Map(
    out.stacks.map(({ spec, text }) => {
      const backend = (JSON.parse(text) as { terraform: { backend: Record<string, { key?: string; prefix?: string }> } }).terraform.backend;
      const [type, settings] = Object.entries(backend)[0] ?? ["none", {}];
      return [spec.name, `${type}: ${settings.key ?? settings.prefix}`];
    }),
  );
}

describe("state keys", () => {
  const S3 = 'type = "s3", bucket = "shared-state"';

  it("default to the project's package, so two projects sharing a bucket share no key", () => {
    const a = keys(project("acme.helpdesk", S3));
    const b = keys(project("initech.billing", S3));
    expect(a.get("main-pooled-eu-west-1")).toBe("s3: paybill/acme-helpdesk/main-pooled-eu-west-1.tfstate");
    expect(a.get("main-silo-tenant-globex")).toBe("s3: paybill/acme-helpdesk/main-silo-tenant-globex.tfstate");
    expect([...a.keys()]).toEqual([...b.keys()]);
    const shared = [...a.values()].filter((key) => [...b.values()].includes(key));
    expect(shared).toEqual([]);
    expect(new Set(a.values()).size).toBe(a.size);
  });

  it("keep an explicit key_prefix, and stay `paybill/<stack>` for a project without a package", () => {
    expect(keys(project("acme", `${S3}, key_prefix = "helpdesk"`)).get("main-pooled-eu-west-1")).toBe("s3: helpdesk/main-pooled-eu-west-1.tfstate");
    expect(keys(project(undefined, S3)).get("main-pooled-eu-west-1")).toBe("s3: paybill/main-pooled-eu-west-1.tfstate");
    const azure = 'type = "azurerm", resource_group_name = "rg", storage_account_name = "st", container_name = "state"';
    expect(keys(project("acme", azure)).get("main-pooled-eu-west-1")).toBe("azurerm: paybill/acme/main-pooled-eu-west-1.tfstate");
  });

  it("give gcs a prefix per project and stack, or the explicit one", () => {
    expect(keys(project("acme", 'type = "gcs", bucket = "state"')).get("main-pooled-eu-west-1")).toBe("gcs: paybill/acme/main-pooled-eu-west-1");
    expect(keys(project("acme", 'type = "gcs", bucket = "state", prefix = "hd"')).get("main-pooled-eu-west-1")).toBe("gcs: hd/main-pooled-eu-west-1");
  });
});
