/**
 * Oracle Cloud: VCN with a private subnet (egress over a service gateway and a NAT gateway), OCI Database with PostgreSQL (a DB system), OKE
 * with a node pool, a Vault with an AES key, and Object Storage (spec/infrastructure.md §1).
 * Identity is OKE workload identity: a policy per owner lets the cluster's workloads use the
 * owner's buckets and read the database's admin secret; a policy beside each key lets
 * Object Storage and OKE use it. Attribute names follow the
 * oracle/oci provider pinned in std.clouds; not validated by `terraform` here (no mirror).
 *
 * Variables: `compartment_ocid` (default: the cloud's `account`), `node_image_ocid`, and
 * `database_admin_secret_ocid` (a Vault secret holding the DB systems' admin password).
 */
import { type CloudMapping, many, one } from "../mapping.js";

const COMPARTMENT = "${var.compartment_ocid}";

export const oci: CloudMapping = {
  tagValue: (value) => value,

  provider(b, spec) {
    b.provider("oci", { region: spec.region });
    b.variable("compartment_ocid", { type: "string", description: "the compartment to provision in", ...(spec.cloud.account === undefined ? {} : { default: spec.cloud.account }) });
    b.variable("node_image_ocid", { type: "string", description: "the image of the Kubernetes worker nodes" });
    b.variable("database_admin_secret_ocid", { type: "string", description: "the Vault secret holding the PostgreSQL admin password" });
    b.dataOnce("oci_identity_availability_domains", "all", { compartment_id: COMPARTMENT });
    b.dataOnce("oci_objectstorage_namespace", "current", { compartment_id: COMPARTMENT });
    // "All <region> Services In Oracle Services Network": what the service gateway routes to.
    b.dataOnce("oci_core_services", "all", { filter: [{ name: "name", values: ["All .* Services In Oracle Services Network"], regex: true }] });
  },

  keys({ b, who, name, spec }) {
    const vault = b.resource(who, "oci_kms_vault", "vault", { compartment_id: COMPARTMENT, display_name: name("vault"), vault_type: "DEFAULT" }, { tags: "freeform_tags" });
    const key = b.resource(
      who,
      "oci_kms_key",
      "key",
      { compartment_id: COMPARTMENT, display_name: name("key"), management_endpoint: b.ref(vault, "management_endpoint"), protection_mode: "HSM", key_shape: [{ algorithm: "AES", length: 32 }] },
      { tags: "freeform_tags" },
    );
    b.output(`${who.idPrefix ?? ""}key`, key, "id", "the Vault key (OCID) the stack's data is encrypted with");
    const scope = `in compartment id ${COMPARTMENT} where target.key.id = '${b.ref(key, "id")}'`;
    const grants = b.resource(
      who,
      "oci_identity_policy",
      "key_grants",
      {
        compartment_id: COMPARTMENT,
        name: name("keys"),
        description: `paybill: the services that encrypt with ${name("key")}`,
        statements: [`Allow service objectstorage-${spec.region} to use keys ${scope}`, `Allow service oke to use keys ${scope}`],
      },
      { tags: "freeform_tags" },
    );
    return { key_id: b.ref(key, "id"), key_grants: [grants.address] };
  },

  network({ b, who, name, spec }) {
    const cidr = spec.cloud.settings.network_cidr;
    const vcn = b.resource(who, "oci_core_vcn", "network", { compartment_id: COMPARTMENT, cidr_blocks: [cidr], display_name: name("vcn") }, { tags: "freeform_tags" });
    // Egress of the private subnet: Oracle's services (OCIR images, Vault, Object Storage, the OKE control plane) over a service gateway, the rest of the internet (other registries) over a NAT gateway.
    const services = b.resource(
      who,
      "oci_core_service_gateway",
      "network_services",
      { compartment_id: COMPARTMENT, vcn_id: b.ref(vcn, "id"), display_name: name("services"), services: [{ service_id: "${data.oci_core_services.all.services[0].id}" }] },
      { tags: "freeform_tags" },
    );
    const nat = b.resource(who, "oci_core_nat_gateway", "network_nat", { compartment_id: COMPARTMENT, vcn_id: b.ref(vcn, "id"), display_name: name("nat") }, { tags: "freeform_tags" });
    const routes = b.resource(
      who,
      "oci_core_route_table",
      "network_private",
      {
        compartment_id: COMPARTMENT,
        vcn_id: b.ref(vcn, "id"),
        display_name: name("private"),
        route_rules: [
          { destination: "${data.oci_core_services.all.services[0].cidr_block}", destination_type: "SERVICE_CIDR_BLOCK", network_entity_id: b.ref(services, "id"), description: "Oracle Services Network" },
          { destination: "0.0.0.0/0", destination_type: "CIDR_BLOCK", network_entity_id: b.ref(nat, "id"), description: "the internet, outbound only" },
        ],
      },
      { tags: "freeform_tags" },
    );
    const subnet = b.resource(
      who,
      "oci_core_subnet",
      "network_private",
      {
        compartment_id: COMPARTMENT,
        vcn_id: b.ref(vcn, "id"),
        cidr_block: `\${cidrsubnet("${cidr}", 4, 0)}`,
        display_name: name("private"),
        prohibit_public_ip_on_vnic: true,
        route_table_id: b.ref(routes, "id"),
      },
      { tags: "freeform_tags" },
    );
    return { vcn_id: b.ref(vcn, "id"), subnet_id: b.ref(subnet, "id") };
  },

  identity({ b, who, name, spec }) {
    // OKE workload identity: the owner's workloads (any cluster in the compartment) use its buckets and read the database's admin secret.
    const buckets = who.tenant === "shared" ? `/${spec.cloud.settings.name_prefix}-*/` : `'${name("data")}'`;
    const workload = "request.principal.type = 'workload'";
    const policy = b.resource(
      who,
      "oci_identity_policy",
      "identity_workload",
      {
        compartment_id: COMPARTMENT,
        name: name("workload"),
        description: `paybill workload ${who.tenant}`,
        statements: [
          `Allow any-user to manage objects in compartment id ${COMPARTMENT} where all { ${workload}, target.bucket.name = ${buckets} }`,
          `Allow any-user to read secret-bundles in compartment id ${COMPARTMENT} where all { ${workload}, target.secret.id = '\${var.database_admin_secret_ocid}' }`,
        ],
      },
      { tags: "freeform_tags" },
    );
    return { workload_policy: policy.address };
  },

  storage({ b, who, name, parts }) {
    const bucket = b.resource(
      who,
      "oci_objectstorage_bucket",
      "storage",
      { compartment_id: COMPARTMENT, name: name("data"), namespace: "${data.oci_objectstorage_namespace.current.namespace}", access_type: "NoPublicAccess", kms_key_id: one(parts, "key_id"), versioning: "Enabled" },
      { tags: "freeform_tags", dependsOn: many(parts, "key_grants") },
    );
    b.output("bucket", bucket, "name", "the Object Storage bucket for the tenant's files");
    return { bucket: b.ref(bucket, "name") };
  },

  database({ b, who, name, spec, parts }) {
    const db = b.resource(
      who,
      "oci_psql_db_system",
      "database",
      {
        compartment_id: COMPARTMENT,
        display_name: name("db"),
        db_version: spec.cloud.settings.postgres_version,
        shape: who.size.database,
        instance_count: 1,
        network_details: [{ subnet_id: one(parts, "subnet_id") }],
        storage_details: [{ system_type: "OCI_OPTIMIZED_STORAGE", is_regionally_durable: true }],
        credentials: [{ username: "paybill_admin", password_details: [{ password_type: "VAULT_SECRET", secret_id: "${var.database_admin_secret_ocid}", secret_version: "1" }] }],
        management_policy: [{ backup_policy: [{ kind: "DAILY", retention_days: 7 }] }],
      },
      { tags: "freeform_tags" },
    );
    b.output("database_endpoint", db, "network_details[0].primary_db_endpoint_private_ip", "the DB system's primary endpoint (private IP, port 5432)");
    b.outputValue("database_credentials", "${var.database_admin_secret_ocid}", "the Vault secret (OCID) holding the admin password: a reference, never the password");
    return { database_id: b.ref(db, "id") };
  },

  compute({ b, who, name, spec, parts }) {
    const cluster = b.resource(
      who,
      "oci_containerengine_cluster",
      "compute",
      {
        compartment_id: COMPARTMENT,
        name: name("oke"),
        kubernetes_version: spec.cloud.settings.kubernetes_version,
        vcn_id: one(parts, "vcn_id"),
        kms_key_id: one(parts, "key_id"),
        endpoint_config: [{ subnet_id: one(parts, "subnet_id"), is_public_ip_enabled: false }],
      },
      { tags: "freeform_tags", dependsOn: many(parts, "key_grants") },
    );
    b.resource(
      who,
      "oci_containerengine_node_pool",
      "compute_nodes",
      {
        compartment_id: COMPARTMENT,
        cluster_id: b.ref(cluster, "id"),
        name: "paybill",
        kubernetes_version: spec.cloud.settings.kubernetes_version,
        node_shape: who.size.machine,
        node_shape_config: [{ ocpus: 2, memory_in_gbs: 16 }],
        node_source_details: [{ source_type: "IMAGE", image_id: "${var.node_image_ocid}" }],
        node_config_details: [
          {
            size: who.size.nodes,
            placement_configs: [{ availability_domain: "${data.oci_identity_availability_domains.all.availability_domains[0].name}", subnet_id: one(parts, "subnet_id") }],
          },
        ],
      },
      { tags: "freeform_tags" },
    );
    b.output("cluster_endpoint", cluster, "endpoints[0].private_endpoint", "the OKE API server's private endpoint");
    return { cluster_id: b.ref(cluster, "id") };
  },
};
