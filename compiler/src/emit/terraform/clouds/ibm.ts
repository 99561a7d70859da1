/**
 * IBM Cloud: VPC with a subnet (egress over a public gateway), Databases for PostgreSQL, IKS on VPC, Key Protect with a
 * root key, Cloud Object Storage with a bucket, and an IAM service ID
 * (spec/infrastructure.md §1). IBM tags are `key:value` strings. Attribute names follow the
 * IBM-Cloud/ibm provider pinned in std.clouds; not validated by `terraform` here (no mirror).
 *
 * Variable: `resource_group_id` (default: the cloud's `account`).
 */
import { whenOffboarding } from "../constructs.js";
import { type CloudMapping, many, one } from "../mapping.js";

/** The services that encrypt with the Key Protect root key: each authorized to read it (an IAM authorization policy). */
const KEY_USERS = { database: "databases-for-postgresql", storage: "cloud-object-storage", compute: "containers-kubernetes" };

const GROUP = "${var.resource_group_id}";

export const ibm: CloudMapping = {
  // IBM tags allow letters, digits, spaces and `_ . - :`; the key and value are joined by `:`.
  tagValue: (value) => value,

  provider(b, spec) {
    b.provider("ibm", { region: spec.region });
    b.variable("resource_group_id", { type: "string", description: "the resource group to provision in", ...(spec.cloud.account === undefined ? {} : { default: spec.cloud.account }) });
  },

  keys({ b, who, name, spec }) {
    const kms = b.resource(who, "ibm_resource_instance", "key_protect", { name: name("kms"), service: "kms", plan: "tiered-pricing", location: spec.region, resource_group_id: GROUP }, { tags: "list" });
    const key = b.resource(who, "ibm_kms_key", "key", { instance_id: b.ref(kms, "guid"), key_name: name("key"), standard_key: false, force_delete: whenOffboarding(who) });
    b.output(`${who.idPrefix ?? ""}key`, key, "crn", "the Key Protect root key (CRN) the stack's data is encrypted with");
    const grants = Object.entries(KEY_USERS).map(([kind, service]) =>
      b.resource(who, "ibm_iam_authorization_policy", `key_${kind}`, {
        source_service_name: service,
        target_service_name: "kms",
        target_resource_instance_id: b.ref(kms, "guid"),
        roles: ["Reader"],
        description: `paybill: ${service} encrypts with ${name("key")}`,
      }),
    );
    return { key_grants: grants.map((g) => g.address), kms_guid: b.ref(kms, "guid"), key_id: b.ref(key, "key_id"), key_crn: b.ref(key, "crn") };
  },

  network({ b, who, name, spec }) {
    const vpc = b.resource(who, "ibm_is_vpc", "network", { name: name("vpc"), resource_group: GROUP, address_prefix_management: "auto" }, { tags: "list" });
    // Egress: IKS workers pull images from public registries through a public gateway (outbound only); IBM Cloud's own services are reached over their private endpoints.
    const gateway = b.resource(who, "ibm_is_public_gateway", "network_egress", { name: name("egress"), vpc: b.ref(vpc, "id"), zone: `${spec.region}-1`, resource_group: GROUP }, { tags: "list" });
    const subnet = b.resource(
      who,
      "ibm_is_subnet",
      "network_private",
      { name: name("private"), vpc: b.ref(vpc, "id"), zone: `${spec.region}-1`, total_ipv4_address_count: 256, resource_group: GROUP, public_gateway: b.ref(gateway, "id") },
      { tags: "list" },
    );
    return { vpc_id: b.ref(vpc, "id"), subnet_id: b.ref(subnet, "id"), zone: `${spec.region}-1` };
  },

  identity({ b, who, name }) {
    const id = b.resource(who, "ibm_iam_service_id", "identity_workload", { name: name("workload"), description: `paybill workload ${who.tenant}` }, { tags: "list" });
    return { service_id: b.ref(id, "id") };
  },

  storage({ b, who, name, spec, parts }) {
    const cos = b.resource(who, "ibm_resource_instance", "storage", { name: name("cos"), service: "cloud-object-storage", plan: "standard", location: "global", resource_group_id: GROUP }, { tags: "list" });
    const bucket = b.resource(who, "ibm_cos_bucket", "storage_data", { bucket_name: name("data"), resource_instance_id: b.ref(cos, "id"), region_location: spec.region, storage_class: "smart", kms_key_crn: one(parts, "key_crn") }, { dependsOn: many(parts, "key_grants") });
    b.output("bucket", bucket, "bucket_name", "the Cloud Object Storage bucket for the tenant's files");
    return { bucket: b.ref(bucket, "bucket_name") };
  },

  database({ b, who, name, spec, parts }) {
    const db = b.resource(
      who,
      "ibm_database",
      "database",
      {
        name: name("db"),
        service: "databases-for-postgresql",
        plan: "standard",
        location: spec.region,
        version: spec.cloud.settings.postgres_version,
        resource_group_id: GROUP,
        service_endpoints: "private",
        key_protect_key: one(parts, "key_crn"),
        group: [{ group_id: "member", host_flavor: [{ id: who.size.database }], disk: [{ allocation_mb: who.level === "each" ? "${each.value.storage_gb * 1024}" : Number(who.size.storage_gb) * 1024 }] }],
      },
      { tags: "list", dependsOn: many(parts, "key_grants") },
    );
    b.output("database_credentials", db, "id", "the Databases for PostgreSQL instance (CRN): its service credentials hold the login and its private host and port (no resource attribute gives the endpoint), a reference, never the password");
    return { database_id: b.ref(db, "id") };
  },

  compute({ b, who, name, spec, parts }) {
    const cluster = b.resource(
      who,
      "ibm_container_vpc_cluster",
      "compute",
      {
        name: name("iks"),
        vpc_id: one(parts, "vpc_id"),
        flavor: who.size.machine,
        worker_count: who.size.nodes,
        kube_version: spec.cloud.settings.kubernetes_version,
        resource_group_id: GROUP,
        disable_public_service_endpoint: true,
        zones: [{ subnet_id: one(parts, "subnet_id"), name: one(parts, "zone") }],
        kms_config: [{ instance_id: one(parts, "kms_guid"), crk_id: one(parts, "key_id"), private_endpoint: true }],
      },
      { tags: "list", dependsOn: many(parts, "key_grants") },
    );
    b.output("cluster_endpoint", cluster, "private_service_endpoint_url", "the IKS API server's private service endpoint");
    return { cluster_id: b.ref(cluster, "id") };
  },
};
