/**
 * Google Cloud: VPC network and subnetwork with private services access, Cloud SQL for
 * PostgreSQL (private IP, customer-managed key), GKE with a node pool, Cloud KMS, GCS and a
 * service account (spec/infrastructure.md §1). Attribute names are those of hashicorp/google
 * 6.50.0, pinned in std.clouds; compiler/test checks every generated resource against that
 * provider's schema (no `terraform validate`: no provider mirror here).
 */
import { protection, whenOffboarding } from "../constructs.js";
import { type CloudMapping, many, one } from "../mapping.js";

/**
 * The service agents that encrypt with the customer-managed key on a service's behalf: Cloud
 * SQL's, Cloud Storage's (read from the provider) and GKE's (application-layer secrets
 * encryption). Each is granted `roles/cloudkms.cryptoKeyEncrypterDecrypter` on the key.
 */
const AGENTS = {
  sql: "serviceAccount:service-${data.google_project.current.number}@gcp-sa-cloud-sql.iam.gserviceaccount.com",
  storage: "serviceAccount:${data.google_storage_project_service_account.current.email_address}",
  gke: "serviceAccount:service-${data.google_project.current.number}@container-engine-robot.iam.gserviceaccount.com",
};

/** Label values: lowercase letters, digits, `_` and `-`. */
const label = (value: string) => (value.includes("${") ? value.replace("${each.key}", "${each.value.slug}") : value.toLowerCase().replace(/[^a-z0-9_-]+/g, "-"));

export const gcp: CloudMapping = {
  tagValue: label,

  provider(b, spec) {
    b.provider("google", {
      region: spec.region,
      ...(spec.cloud.project === undefined ? { project: "${var.project}" } : { project: spec.cloud.project }),
      default_labels: Object.fromEntries(Object.entries({ ...spec.cloud.tags, "managed-by": "paybill" }).map(([k, v]) => [k, label(v)])),
    });
    if (spec.cloud.project === undefined) b.variable("project", { type: "string", description: "the Google Cloud project to provision in" });
  },

  keys({ b, who, name, spec }) {
    const ring = b.resource(who, "google_kms_key_ring", "key_ring", { name: name("keys"), location: spec.region });
    const key = b.resource(who, "google_kms_crypto_key", "key", { name: name("key"), key_ring: b.ref(ring, "id"), rotation_period: "7776000s", purpose: "ENCRYPT_DECRYPT" }, { tags: "labels" });
    b.output(`${who.idPrefix ?? ""}key`, key, "id", "the Cloud KMS key the stack's data is encrypted with");
    b.dataOnce("google_project", "current");
    b.dataOnce("google_storage_project_service_account", "current");
    const grants = Object.entries(AGENTS).map(([service, member]) =>
      b.resource(who, "google_kms_crypto_key_iam_member", `key_${service}`, { crypto_key_id: b.ref(key, "id"), role: "roles/cloudkms.cryptoKeyEncrypterDecrypter", member }),
    );
    return { key_id: b.ref(key, "id"), key_grants: grants.map((g) => g.address) };
  },

  network({ b, who, name, spec }) {
    const net = b.resource(who, "google_compute_network", "network", { name: name("net"), auto_create_subnetworks: false, routing_mode: "REGIONAL" });
    const sub = b.resource(who, "google_compute_subnetwork", "network_private", {
      name: name("private"),
      region: spec.region,
      network: b.ref(net, "id"),
      ip_cidr_range: `\${cidrsubnet("${spec.cloud.settings.network_cidr}", 4, 0)}`,
      private_ip_google_access: true,
    });
    const range = b.resource(who, "google_compute_global_address", "network_services", { name: name("services"), purpose: "VPC_PEERING", address_type: "INTERNAL", prefix_length: 20, network: b.ref(net, "id") });
    const peering = b.resource(who, "google_service_networking_connection", "network_services", { network: b.ref(net, "id"), service: "servicenetworking.googleapis.com", reserved_peering_ranges: [b.ref(range, "name")] });
    return { network_id: b.ref(net, "id"), subnetwork_id: b.ref(sub, "id"), services_peering: peering.address };
  },

  identity({ b, who, name }) {
    const account = b.resource(who, "google_service_account", "identity_workload", { account_id: `\${substr("${name("wl")}", 0, 30)}`, display_name: `paybill workload ${who.tenant}` });
    b.dataOnce("google_project", "current");
    const member = `serviceAccount:${b.ref(account, "email")}`;
    // Workload Identity: the runtime's pods (service account `paybill` in namespace `paybill`) act as it.
    b.resource(who, "google_service_account_iam_member", "identity_workload_pods", {
      service_account_id: b.ref(account, "name"),
      role: "roles/iam.workloadIdentityUser",
      member: "serviceAccount:${data.google_project.current.project_id}.svc.id.goog[paybill/paybill]",
    });
    // Cloud SQL IAM database authentication: connect (the connectors) and sign in.
    for (const [id, role] of [["identity_workload_sql_client", "roles/cloudsql.client"], ["identity_workload_sql_user", "roles/cloudsql.instanceUser"]] as const) {
      b.resource(who, "google_project_iam_member", id, { project: "${data.google_project.current.project_id}", role, member });
    }
    b.output("database_credentials", account, "email", "the service account the workload signs in to Cloud SQL as (IAM database authentication: no password exists)");
    return { service_account_email: b.ref(account, "email") };
  },

  storage({ b, who, name, spec, parts }) {
    const bucket = b.resource(
      who,
      "google_storage_bucket",
      "storage",
      { name: name("data"), location: spec.region.toUpperCase(), uniform_bucket_level_access: true, public_access_prevention: "enforced", force_destroy: whenOffboarding(who), encryption: [{ default_kms_key_name: one(parts, "key_id") }] },
      { tags: "labels", dependsOn: many(parts, "key_grants") },
    );
    b.output("bucket", bucket, "name", "the Cloud Storage bucket for the tenant's files");
    b.resource(who, "google_storage_bucket_iam_member", "storage_workload", { bucket: b.ref(bucket, "name"), role: "roles/storage.objectAdmin", member: `serviceAccount:${one(parts, "service_account_email")}` });
    return { bucket: b.ref(bucket, "name") };
  },

  database({ b, who, name, spec, parts }) {
    const { settings } = spec.cloud;
    const db = b.resource(who, "google_sql_database_instance", "database", {
      name: name("db"),
      region: spec.region,
      database_version: `POSTGRES_${settings.postgres_version}`,
      encryption_key_name: one(parts, "key_id"),
      deletion_protection: protection(who, settings.deletion_protection),
      settings: [
        {
          tier: who.size.database,
          disk_size: who.size.storage_gb,
          disk_autoresize: true,
          availability_type: "REGIONAL",
          user_labels: b.labels(who),
          ip_configuration: [{ ipv4_enabled: false, private_network: one(parts, "network_id") }],
          backup_configuration: [{ enabled: true, point_in_time_recovery_enabled: true }],
          database_flags: [{ name: "cloudsql.iam_authentication", value: "on" }],
        },
      ],
    }, { dependsOn: [one(parts, "services_peering"), ...many(parts, "key_grants")] });
    // The workload's service account as an IAM database user (its name: the email without `.gserviceaccount.com`).
    const email = one(parts, "service_account_email").slice(2, -1);
    b.resource(who, "google_sql_user", "database_workload", { name: `\${trimsuffix(${email}, ".gserviceaccount.com")}`, instance: b.ref(db, "name"), type: "CLOUD_IAM_SERVICE_ACCOUNT" });
    b.output("database_endpoint", db, "private_ip_address", "the Cloud SQL instance's private IP address (port 5432)");
    b.output("database_connection", db, "connection_name", "the Cloud SQL instance's connection name (project:region:instance), for the Cloud SQL connectors");
    return { database_connection: b.ref(db, "connection_name") };
  },

  compute({ b, who, name, spec, parts }) {
    const cluster = b.resource(
      who,
      "google_container_cluster",
      "compute",
      {
        name: name("gke"),
        location: spec.region,
        network: one(parts, "network_id"),
        subnetwork: one(parts, "subnetwork_id"),
        min_master_version: spec.cloud.settings.kubernetes_version,
        remove_default_node_pool: true,
        initial_node_count: 1,
        deletion_protection: protection(who, spec.cloud.settings.deletion_protection),
        private_cluster_config: [{ enable_private_nodes: true, enable_private_endpoint: true, master_ipv4_cidr_block: "172.16.0.0/28" }],
        database_encryption: [{ state: "ENCRYPTED", key_name: one(parts, "key_id") }],
        workload_identity_config: [{ workload_pool: `\${data.google_project.current.project_id}.svc.id.goog` }],
      },
      { tags: "resource_labels", dependsOn: many(parts, "key_grants") },
    );
    b.resource(who, "google_container_node_pool", "compute_nodes", {
      name: "paybill",
      cluster: b.ref(cluster, "id"),
      location: spec.region,
      node_count: who.size.nodes,
      node_config: [{ machine_type: who.size.machine, service_account: one(parts, "service_account_email"), oauth_scopes: ["https://www.googleapis.com/auth/cloud-platform"], labels: b.labels(who) }],
    });
    b.dataOnce("google_project", "current");
    b.output("cluster_endpoint", cluster, "endpoint", "the GKE control plane's (private) endpoint");
    return { cluster_name: b.ref(cluster, "name") };
  },
};
