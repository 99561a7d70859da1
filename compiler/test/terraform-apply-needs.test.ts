/**
 * What a real apply needs beyond valid resources (spec/infrastructure.md §1, "Egress" and
 * "Key grants"): private EKS nodes reach ECR, STS, EKS Auth, EC2, Secrets Manager, KMS, Logs
 * and S3 over VPC endpoints; OCI nodes Oracle's services over a service gateway and the rest
 * over a NAT gateway; IBM nodes the internet over a public gateway; every managed service that encrypts with a customer-managed key
 * is granted the key (GCP service agents, Azure Key Vault roles, IBM authorization policies,
 * OCI policies) and is created after the grant; OCI workloads get an identity policy. Checked
 * on the golden project of each cloud, every stack and every key in it.
 */
import { describe, expect, it } from "vitest";
import { isKept } from "../../server/src/provision/terraform.js";
import { cloudProject, emitTf, type Provider, resources, type TfJson } from "./support/terraform.js";

const TENANTS = [
  { name: "corner_shop", plan: "free" },
  { name: "initech", plan: "business" },
  { name: "globex", plan: "enterprise" },
] as const;

type Body = Record<string, unknown>;
interface Stack {
  readonly name: string;
  readonly all: [string, string, Body][];
  of(type: string): [string, Body][];
}

function stacksOf(provider: Provider): Stack[] {
  return emitTf(cloudProject(provider, TENANTS))
    .stacks.filter((s) => s.spec.cloud.provider === provider)
    .map((s) => {
      const all = resources(JSON.parse(s.text) as TfJson);
      return { name: s.spec.name, all, of: (type: string) => all.filter(([t]) => t === type).map(([, id, body]): [string, Body] => [`${type}.${id}`, body]) };
    });
}

/** Whether `body` refers to the resource at `address` (`${address.attr}` or `${address[each.key].attr}`). */
const refers = (body: unknown, address: string): boolean => new RegExp(`\\$\\{${address.replace(".", "\\.")}(\\[each\\.key\\])?\\.`).test(JSON.stringify(body));
const dependsOn = (body: Body): string[] => (body.depends_on as string[] | undefined) ?? [];

/** Every consumer of a key is created after every grant on that key. */
function consumersWait(stack: Stack, keyType: string, grantType: string, consumers: readonly string[]): number {
  let checked = 0;
  for (const [key] of stack.of(keyType)) {
    const grants = stack.of(grantType).filter(([, body]) => refers(body, key)).map(([address]) => address);
    expect(grants.length, `${stack.name}: ${key} has no ${grantType}`).toBeGreaterThan(0);
    for (const type of consumers)
      for (const [address, body] of stack.of(type).filter(([, b]) => refers(b, key))) {
        expect(dependsOn(body), `${stack.name}: ${address} uses ${key} before its grants`).toEqual(expect.arrayContaining(grants));
        checked++;
      }
  }
  return checked;
}

describe("AWS: egress of the private nodes", () => {
  it("every VPC has the S3 gateway endpoint on its main route table and interface endpoints, private DNS on, in its subnets, HTTPS from the VPC only", () => {
    for (const stack of stacksOf("aws")) {
      for (const [vpc, vpcBody] of stack.of("aws_vpc")) {
        const endpoints = stack.of("aws_vpc_endpoint").filter(([, b]) => refers(b.vpc_id, vpc));
        const services = endpoints.map(([, b]) => String(b.service_name).replace(/^com\.amazonaws\.[a-z0-9-]+\./, "")).sort();
        expect(services, stack.name).toEqual(["ec2", "ecr.api", "ecr.dkr", "eks-auth", "kms", "logs", "s3", "secretsmanager", "sts"]);
        const subnets = stack.of("aws_subnet").filter(([, b]) => refers(b.vpc_id, vpc)).map(([address]) => address);
        for (const [address, body] of endpoints) {
          if (body.vpc_endpoint_type === "Gateway") {
            expect(body.route_table_ids, address).toEqual([expect.stringContaining(`${vpc}`)]);
            expect(JSON.stringify(body.route_table_ids)).toContain("main_route_table_id");
            continue;
          }
          expect(body.vpc_endpoint_type).toBe("Interface");
          expect(body.private_dns_enabled).toBe(true);
          for (const subnet of subnets) expect(refers(body.subnet_ids, subnet), `${address} not in ${subnet}`).toBe(true);
          const groups = body.security_group_ids as string[];
          const rules = stack.of("aws_vpc_security_group_ingress_rule").filter(([, r]) => groups.some((g) => JSON.stringify(g).includes(String(r.security_group_id).replace(/^\$\{|\.id\}$/g, ""))));
          expect(rules.map(([, r]) => [r.from_port, r.to_port, r.cidr_ipv4]), address).toEqual([[443, 443, vpcBody.cidr_block]]);
        }
      }
      // Private: no internet gateway, no NAT, no public subnet.
      expect(stack.all.filter(([t]) => t === "aws_internet_gateway" || t === "aws_nat_gateway")).toEqual([]);
      expect(stack.of("aws_subnet").every(([, b]) => b.map_public_ip_on_launch === false)).toBe(true);
    }
  });
});

describe("OCI and IBM: egress of the private nodes", () => {
  it("OCI: every private subnet routes the Oracle Services Network to a service gateway and the rest to a NAT gateway, both in its VCN", () => {
    let checked = 0;
    for (const stack of stacksOf("oci")) {
      for (const [subnet, body] of stack.of("oci_core_subnet")) {
        expect(body.prohibit_public_ip_on_vnic, subnet).toBe(true);
        const [table] = stack.of("oci_core_route_table").filter(([address]) => refers(body.route_table_id, address));
        expect(table, `${subnet} has no route table of its stack`).toBeDefined();
        const [tableAddress, tableBody] = table as [string, Body];
        expect(String(tableBody.vcn_id), tableAddress).toBe(String(body.vcn_id));
        const rules = tableBody.route_rules as Body[];
        const to = (type: string) => rules.filter((r) => stack.of(type).some(([gateway, g]) => refers(r.network_entity_id, gateway) && String(g.vcn_id) === String(body.vcn_id)));
        const services = to("oci_core_service_gateway");
        expect(services.map((r) => r.destination_type), tableAddress).toEqual(["SERVICE_CIDR_BLOCK"]);
        expect(String(services[0]?.destination)).toContain("data.oci_core_services.all.services[0].cidr_block");
        expect(to("oci_core_nat_gateway").map((r) => [r.destination, r.destination_type]), tableAddress).toEqual([["0.0.0.0/0", "CIDR_BLOCK"]]);
        checked++;
      }
      for (const [gateway, body] of stack.of("oci_core_service_gateway")) expect(JSON.stringify(body.services), gateway).toContain("data.oci_core_services.all.services[0].id");
    }
    expect(checked).toBeGreaterThan(0);
  });

  it("IBM: every subnet has a public gateway of its VPC and zone", () => {
    let checked = 0;
    for (const stack of stacksOf("ibm")) {
      for (const [subnet, body] of stack.of("ibm_is_subnet")) {
        const [gateway] = stack.of("ibm_is_public_gateway").filter(([address]) => refers(body.public_gateway, address));
        expect(gateway, `${subnet} has no public gateway`).toBeDefined();
        expect([String(gateway?.[1].vpc), gateway?.[1].zone], subnet).toEqual([String(body.vpc), body.zone]);
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(0);
  });
});

describe("AWS: the runtime's pods get the workload role", () => {
  it("every cluster runs the EKS Pod Identity agent, after its nodes, and associates service account paybill/paybill with the role of its stack", () => {
    for (const stack of stacksOf("aws")) {
      for (const [cluster] of stack.of("aws_eks_cluster")) {
        const [addon] = stack.of("aws_eks_addon").filter(([, b]) => refers(b.cluster_name, cluster));
        expect(addon?.[1].addon_name, stack.name).toBe("eks-pod-identity-agent");
        const [nodes] = stack.of("aws_eks_node_group").filter(([, b]) => refers(b.cluster_name, cluster));
        expect(dependsOn(addon?.[1] ?? {})).toEqual([nodes?.[0]]);
        const associations = stack.of("aws_eks_pod_identity_association").filter(([, b]) => refers(b.cluster_name, cluster));
        expect(associations.map(([, b]) => [b.namespace, b.service_account])).toEqual([["paybill", "paybill"]]);
        const [role] = stack.of("aws_iam_role").filter(([address]) => address.endsWith("identity_workload"));
        expect(refers(associations[0]?.[1].role_arn, role?.[0] ?? "none"), stack.name).toBe(true);
      }
    }
  });
});

describe("the workload identity reaches its data", () => {
  it("GCP: the runtime's pods act as the stack's service account, which signs in to each Cloud SQL instance as an IAM user and may use each bucket", () => {
    for (const stack of stacksOf("gcp")) {
      const [account] = stack.of("google_service_account").map(([a]) => a);
      expect(account, stack.name).toBeDefined();
      const pods = stack.of("google_service_account_iam_member").filter(([, b]) => refers(b.service_account_id, account ?? ""));
      expect(pods.map(([, b]) => [b.role, b.member])).toEqual([["roles/iam.workloadIdentityUser", "serviceAccount:${data.google_project.current.project_id}.svc.id.goog[paybill/paybill]"]]);
      const roles = stack.of("google_project_iam_member").filter(([, b]) => refers(b.member, account ?? "")).map(([, b]) => b.role);
      expect(roles.sort()).toEqual(["roles/cloudsql.client", "roles/cloudsql.instanceUser"]);
      for (const [instance] of stack.of("google_sql_database_instance")) {
        const users = stack.of("google_sql_user").filter(([, b]) => refers(b.instance, instance));
        expect(users.map(([, b]) => [b.type, String(b.name).startsWith(`${"$"}{trimsuffix(${account}`)]), instance).toEqual([["CLOUD_IAM_SERVICE_ACCOUNT", true]]);
      }
      for (const [bucket] of stack.of("google_storage_bucket")) {
        const members = stack.of("google_storage_bucket_iam_member").filter(([, b]) => refers(b.bucket, bucket));
        expect(members.map(([, b]) => [b.role, refers(b.member, account ?? "")]), bucket).toEqual([["roles/storage.objectAdmin", true]]);
      }
    }
  });

  it("Azure: the workload identity is Storage Blob Data Contributor on each storage account (shared keys are off)", () => {
    for (const stack of stacksOf("azure")) {
      const [identity] = stack.of("azurerm_user_assigned_identity").map(([a]) => a);
      for (const [account] of stack.of("azurerm_storage_account")) {
        const roles = stack.of("azurerm_role_assignment").filter(([, b]) => refers(b.scope, account));
        expect(roles.map(([, b]) => [b.role_definition_name, refers(b.principal_id, identity ?? "")]), `${stack.name}: ${account}`).toEqual([["Storage Blob Data Contributor", true]]);
      }
    }
  });
});

describe("key grants", () => {
  it("GCP: Cloud SQL's, Cloud Storage's and GKE's service agents may encrypt with each key; bucket, instance and cluster wait for the grants", () => {
    let checked = 0;
    for (const stack of stacksOf("gcp")) {
      for (const [key] of stack.of("google_kms_crypto_key")) {
        const members = stack.of("google_kms_crypto_key_iam_member").filter(([, b]) => refers(b.crypto_key_id, key));
        expect(members.map(([, b]) => b.role)).toEqual(Array(3).fill("roles/cloudkms.cryptoKeyEncrypterDecrypter"));
        const who = members.map(([, b]) => String(b.member)).join(" ");
        expect(who).toContain("@gcp-sa-cloud-sql.iam.gserviceaccount.com");
        expect(who).toContain("@container-engine-robot.iam.gserviceaccount.com");
        expect(who).toContain("data.google_storage_project_service_account.current.email_address");
      }
      checked += consumersWait(stack, "google_kms_crypto_key", "google_kms_crypto_key_iam_member", ["google_storage_bucket", "google_sql_database_instance", "google_container_cluster"]);
    }
    expect(checked).toBeGreaterThanOrEqual(12);
  });

  it("Azure: Terraform's principal is Crypto Officer on each vault before its key; each cluster's identity is Crypto User on the vault of its key before the cluster", () => {
    for (const stack of stacksOf("azure")) {
      const assignments = stack.of("azurerm_role_assignment");
      for (const [vault] of stack.of("azurerm_key_vault")) {
        const officer = assignments.filter(([, b]) => refers(b.scope, vault) && b.role_definition_name === "Key Vault Crypto Officer");
        expect(officer.map(([, b]) => b.principal_id), `${stack.name}: ${vault}`).toEqual(["${data.azurerm_client_config.current.object_id}"]);
        for (const [key, body] of stack.of("azurerm_key_vault_key").filter(([, b]) => refers(b.key_vault_id, vault))) expect(dependsOn(body), key).toEqual(officer.map(([a]) => a));
      }
      for (const [cluster, body] of stack.of("azurerm_kubernetes_cluster")) {
        const [key] = stack.of("azurerm_key_vault_key").find(([k]) => refers(body.key_management_service, k)) ?? [];
        const [, keyBody] = stack.of("azurerm_key_vault_key").find(([k]) => k === key) ?? [];
        const [vault] = stack.of("azurerm_key_vault").find(([v]) => refers(keyBody?.key_vault_id, v)) ?? [];
        const [identity] = stack.of("azurerm_user_assigned_identity").find(([i]) => refers(body.identity, i)) ?? [];
        expect(vault && identity, cluster).toBeTruthy();
        const user = assignments.filter(([, b]) => refers(b.scope, vault ?? "") && refers(b.principal_id, identity ?? "") && b.role_definition_name === "Key Vault Crypto User");
        expect(user, `${stack.name}: ${cluster}`).toHaveLength(1);
        expect(dependsOn(body)).toEqual(user.map(([a]) => a));
      }
    }
  });

  it("IBM: databases, object storage and Kubernetes are authorized to read each Key Protect instance; their resources wait for it", () => {
    let checked = 0;
    for (const stack of stacksOf("ibm")) {
      for (const [kms] of stack.of("ibm_resource_instance").filter(([, b]) => b.service === "kms")) {
        const policies = stack.of("ibm_iam_authorization_policy").filter(([, b]) => refers(b.target_resource_instance_id, kms));
        expect(policies.map(([, b]) => [b.source_service_name, b.target_service_name, b.roles]).sort()).toEqual([
          ["cloud-object-storage", "kms", ["Reader"]],
          ["containers-kubernetes", "kms", ["Reader"]],
          ["databases-for-postgresql", "kms", ["Reader"]],
        ]);
      }
      for (const type of ["ibm_cos_bucket", "ibm_database", "ibm_container_vpc_cluster"])
        for (const [address, body] of stack.of(type)) {
          expect(dependsOn(body).filter((d) => d.startsWith("ibm_iam_authorization_policy.")).length, address).toBe(3);
          checked++;
        }
    }
    expect(checked).toBeGreaterThanOrEqual(12);
  });

  it("OCI: Object Storage and OKE may use each key, by a policy the bucket and cluster wait for; each owner's workloads have an identity policy", () => {
    let checked = 0;
    for (const stack of stacksOf("oci")) {
      for (const [key] of stack.of("oci_kms_key")) {
        const [grant] = stack.of("oci_identity_policy").filter(([, b]) => refers(b.statements, key));
        const statements = (grant?.[1].statements as string[] | undefined) ?? [];
        expect(statements.map((s) => s.replace(/ in compartment.*/, "")), `${stack.name}: ${key}`).toEqual(["Allow service objectstorage-eu-frankfurt-1 to use keys", "Allow service oke to use keys"]);
      }
      checked += consumersWait(stack, "oci_kms_key", "oci_identity_policy", ["oci_objectstorage_bucket", "oci_containerengine_cluster"]);
      const workload = stack.of("oci_identity_policy").filter(([a]) => a.includes("identity_workload"));
      expect(workload.length, stack.name).toBeGreaterThan(0);
      for (const [, body] of workload) expect((body.statements as string[]).every((s) => s.includes("request.principal.type = 'workload'"))).toBe(true);
    }
    expect(checked).toBeGreaterThanOrEqual(8);
  });
});

describe("offboarding can finish", () => {
  /** Where a cloud keeps a destroy from finishing: deletion protection, and buckets or keys that refuse to go with contents. */
  const GUARDS: Record<string, [string, string, "protect" | "destroyable"][]> = {
    aws: [
      ["aws_db_instance", "deletion_protection", "protect"],
      ["aws_s3_bucket", "force_destroy", "destroyable"],
    ],
    gcp: [
      ["google_sql_database_instance", "deletion_protection", "protect"],
      ["google_container_cluster", "deletion_protection", "protect"],
      ["google_storage_bucket", "force_destroy", "destroyable"],
    ],
    ibm: [["ibm_kms_key", "force_delete", "destroyable"]],
  };

  it.each(Object.keys(GUARDS))("%s: a tenant's own guards follow its offboarding switch, shared ones stay", (provider) => {
    let checked = 0;
    for (const stack of stacksOf(provider as Provider)) {
      const own = stack.name.includes("-tenant-");
      for (const [type, attr, kind] of GUARDS[provider] ?? []) {
        for (const [address, body] of stack.of(type)) {
          if (isKept(body)) {
            // Kept (the audit checkpoints): never force-destroyed, left in the cloud instead.
            expect(body[attr], address).toBe(false);
            continue;
          }
          const off = body.for_each !== undefined ? "each.value.offboarding" : own ? "var.offboarding" : undefined;
          const expected = off === undefined ? kind === "protect" : kind === "protect" ? `\${!${off}}` : `\${${off}}`;
          expect(body[attr], `${stack.name}: ${address}.${attr}`).toBe(expected);
          checked++;
        }
      }
    }
    // Every stack (pooled, bridge, the silo cell, a static silo tenant's) has at least one.
    expect(checked).toBeGreaterThanOrEqual(4);
  });

  it("a tenant's own stack takes the `offboarding` variable, a cell's tenants an `offboarding` flag", () => {
    for (const { spec, text } of emitTf(cloudProject("aws", TENANTS)).stacks) {
      const json = JSON.parse(text) as TfJson;
      if (spec.mode === "tenant") expect(json.variable?.offboarding, spec.name).toMatchObject({ type: "bool", default: false });
      else expect(json.variable?.offboarding, spec.name).toBeUndefined();
      const tenants = json.variable?.tenants as { type?: string } | undefined;
      if (tenants !== undefined) expect(tenants.type).toBe("map(object({ plan = string, offboarding = optional(bool, false) }))");
    }
  });

  it("AWS: the audit checkpoint bucket, its settings and the key it is encrypted with are marked kept at offboarding; nothing else is", () => {
    for (const stack of stacksOf("aws")) {
      const kept = stack.all.filter(([, , b]) => isKept(b)).map(([t, id]) => `${t}.${id.replace(/^platform_/, "")}`);
      expect(new Set(kept), stack.name).toEqual(
        new Set([
          "aws_kms_key.key",
          "aws_kms_alias.key_alias",
          ...(stack.of("aws_s3_bucket").some(([a]) => a.endsWith("audit_checkpoints"))
            ? ["aws_s3_bucket.audit_checkpoints", "aws_s3_bucket_versioning.audit_checkpoints_versioning", "aws_s3_bucket_object_lock_configuration.audit_checkpoints_lock", "aws_s3_bucket_server_side_encryption_configuration.audit_checkpoints_encryption", "aws_s3_bucket_public_access_block.audit_checkpoints_private"]
            : []),
        ]),
      );
    }
  });
});

describe("AWS: the workload role reaches its own buckets only", () => {
  it("a tenant's role its own; a pooled cell's role the cell's; a bridge cell's role those of the cell's tenants — never a wildcard over the prefix", () => {
    for (const { spec, text } of emitTf(cloudProject("aws", TENANTS)).stacks) {
      const policies = resources(JSON.parse(text) as TfJson).filter(([t]) => t === "aws_iam_role_policy");
      expect(policies.length, spec.name).toBeGreaterThan(0);
      for (const [, id, body] of policies) {
        const policy = String(body.policy);
        expect(policy, `${spec.name}: ${id}`).not.toContain("acme-*");
        const all = resources(JSON.parse(text) as TfJson);
        const bucketOf = (name: string) => String(all.find(([t, n]) => t === "aws_s3_bucket" && n === name)?.[2].bucket);
        const perTenant = (what: string) => `[for t in values(local.tenants) : ["arn:aws:s3:::\${t.names.${what}}", "arn:aws:s3:::\${t.names.${what}}/*"]]`;
        // Data buckets are per tenant where storage is (bridge); audit buckets where the database is (silo): a bridge
        // cell's one database server has one audit bucket, the cell's.
        const shared = spec.mode === "shared";
        if (shared && spec.isolation.dedicated.has("storage")) expect(policy, spec.name).toContain(perTenant("data"));
        if (shared && spec.isolation.dedicated.has("database")) expect(policy, spec.name).toContain(perTenant("audit"));
        if (!shared || !spec.isolation.dedicated.has("database")) {
          const audit = bucketOf("audit_checkpoints");
          expect(audit.startsWith("acme-") || audit.startsWith("${"), spec.name).toBe(true);
          expect(policy, spec.name).toContain(JSON.stringify([`arn:aws:s3:::${audit}`, `arn:aws:s3:::${audit}/*`]));
          expect(policy, spec.name).not.toContain(perTenant("audit"));
        }
        if (!shared || !spec.isolation.dedicated.has("storage")) {
          // The owner's own buckets, by the names the stack gives them (names.ts).
          const [data, audit] = [bucketOf("storage"), bucketOf("audit_checkpoints")];
          expect([data, audit].every((b) => b.startsWith("acme-") || b.startsWith("${")), spec.name).toBe(true);
          const resources_ = (JSON.parse(policy) as { Statement: { Resource: string[] }[] }).Statement.map((st) => st.Resource);
          expect(resources_, spec.name).toEqual([
            [`arn:aws:s3:::${data}`, `arn:aws:s3:::${data}/*`],
            [`arn:aws:s3:::${audit}`, `arn:aws:s3:::${audit}/*`],
          ]);
        }
      }
    }
  });
});
