/**
 * Azure: a resource group per owner, VNet with a node subnet and a subnet delegated to
 * PostgreSQL Flexible Server (private DNS zone), AKS, Key Vault with a key, a Storage account
 * with a private container, and a user-assigned managed identity (spec/infrastructure.md §1).
 * Attribute names are those of hashicorp/azurerm 4.55.0, pinned in std.clouds; compiler/test
 * checks every generated resource against that provider's schema (no `terraform validate`:
 * no provider mirror here). Storage account and Key Vault names are at most
 * 24 characters and global: they are `pb` + a hash of the owner's name.
 */
import { type CloudMapping, one } from "../mapping.js";

/** A short global name: `pb` and 20 hex digits of the SHA-256 of `seed`, computed by Terraform. */
const short = (seed: string) => `pb\${substr(sha256("${seed}"), 0, 20)}`;

export const azure: CloudMapping = {
  tagValue: (value) => value,

  provider(b, spec) {
    b.provider("azurerm", { features: [{}], ...(spec.cloud.account === undefined ? {} : { subscription_id: spec.cloud.account }) });
    b.dataOnce("azurerm_client_config", "current");
  },

  keys({ b, who, name, spec }) {
    const group = resourceGroup(b, who, name, spec.region);
    const vault = b.resource(
      who,
      "azurerm_key_vault",
      "key_vault",
      { name: short(name("kv")), location: spec.region, resource_group_name: group, tenant_id: "${data.azurerm_client_config.current.tenant_id}", sku_name: "premium", purge_protection_enabled: true, soft_delete_retention_days: 90, rbac_authorization_enabled: true },
      { tags: "tags" },
    );
    // The vault authorizes by Azure RBAC: whoever runs Terraform needs a role on it to create the key.
    const officer = b.resource(who, "azurerm_role_assignment", "key_vault_officer", {
      scope: b.ref(vault, "id"),
      role_definition_name: "Key Vault Crypto Officer",
      principal_id: "${data.azurerm_client_config.current.object_id}",
    });
    const key = b.resource(
      who,
      "azurerm_key_vault_key",
      "key",
      { name: name("key"), key_vault_id: b.ref(vault, "id"), key_type: "RSA-HSM", key_size: 3072, key_opts: ["wrapKey", "unwrapKey"] },
      { tags: "tags", dependsOn: [officer.address] },
    );
    b.output(`${who.idPrefix ?? ""}key`, key, "versionless_id", "the Key Vault key (versionless id) the stack's data is encrypted with");
    return { key_vault_id: b.ref(vault, "id"), key_id: b.ref(key, "id"), key_versionless_id: b.ref(key, "versionless_id") };
  },

  network({ b, who, name, spec }) {
    const group = resourceGroup(b, who, name, spec.region);
    const cidr = spec.cloud.settings.network_cidr;
    const vnet = b.resource(who, "azurerm_virtual_network", "network", { name: name("vnet"), location: spec.region, resource_group_name: group, address_space: [cidr] }, { tags: "tags" });
    const nodes = b.resource(who, "azurerm_subnet", "network_nodes", { name: "nodes", resource_group_name: group, virtual_network_name: b.ref(vnet, "name"), address_prefixes: [`\${cidrsubnet("${cidr}", 4, 0)}`] });
    const db = b.resource(who, "azurerm_subnet", "network_database", {
      name: "database",
      resource_group_name: group,
      virtual_network_name: b.ref(vnet, "name"),
      address_prefixes: [`\${cidrsubnet("${cidr}", 4, 1)}`],
      delegation: [{ name: "postgres", service_delegation: [{ name: "Microsoft.DBforPostgreSQL/flexibleServers", actions: ["Microsoft.Network/virtualNetworks/subnets/join/action"] }] }],
    });
    const zone = b.resource(who, "azurerm_private_dns_zone", "network_database", { name: `${name("db")}.private.postgres.database.azure.com`, resource_group_name: group }, { tags: "tags" });
    b.resource(who, "azurerm_private_dns_zone_virtual_network_link", "network_database", { name: "database", resource_group_name: group, private_dns_zone_name: b.ref(zone, "name"), virtual_network_id: b.ref(vnet, "id") }, { tags: "tags" });
    return { node_subnet_id: b.ref(nodes, "id"), db_subnet_id: b.ref(db, "id"), db_dns_zone_id: b.ref(zone, "id") };
  },

  identity({ b, who, name, spec }) {
    const id = b.resource(who, "azurerm_user_assigned_identity", "identity_workload", { name: name("workload"), location: spec.region, resource_group_name: resourceGroup(b, who, name, spec.region) }, { tags: "tags" });
    b.output("database_credentials", id, "client_id", "the managed identity (client id) the workload signs in to PostgreSQL as (Microsoft Entra authentication: no password exists)");
    return { identity_id: b.ref(id, "id"), identity_principal_id: b.ref(id, "principal_id") };
  },

  storage({ b, who, name, spec, parts }) {
    const account = b.resource(
      who,
      "azurerm_storage_account",
      "storage",
      {
        name: short(name("data")),
        resource_group_name: resourceGroup(b, who, name, spec.region),
        location: spec.region,
        account_tier: "Standard",
        account_replication_type: "ZRS",
        min_tls_version: "TLS1_2",
        allow_nested_items_to_be_public: false,
        shared_access_key_enabled: false,
        infrastructure_encryption_enabled: true,
      },
      { tags: "tags" },
    );
    const container = b.resource(who, "azurerm_storage_container", "storage_data", { name: "data", storage_account_id: b.ref(account, "id"), container_access_type: "private" });
    b.output("bucket", container, "id", "the blob container (URL) for the tenant's files");
    // Shared keys are off: the workload identity reads and writes blobs by role.
    b.resource(who, "azurerm_role_assignment", "storage_workload", {
      scope: b.ref(account, "id"),
      role_definition_name: "Storage Blob Data Contributor",
      principal_id: one(parts, "identity_principal_id"),
      principal_type: "ServicePrincipal",
    });
    return { storage_account_id: b.ref(account, "id") };
  },

  database({ b, who, name, spec, parts }) {
    const { settings } = spec.cloud;
    const server = b.resource(
      who,
      "azurerm_postgresql_flexible_server",
      "database",
      {
        name: name("db"),
        resource_group_name: resourceGroup(b, who, name, spec.region),
        location: spec.region,
        version: settings.postgres_version,
        sku_name: who.size.database,
        storage_mb: who.level === "each" ? "${each.value.storage_gb * 1024}" : Number(who.size.storage_gb) * 1024,
        delegated_subnet_id: one(parts, "db_subnet_id"),
        private_dns_zone_id: one(parts, "db_dns_zone_id"),
        public_network_access_enabled: false,
        backup_retention_days: 7,
        authentication: [{ active_directory_auth_enabled: true, password_auth_enabled: false, tenant_id: "${data.azurerm_client_config.current.tenant_id}" }],
      },
      // Azure picks the zone when none is given; a later plan must not move the server.
      { tags: "tags", lifecycle: { ignore_changes: ["zone"] } },
    );
    b.output("database_endpoint", server, "fqdn", "the PostgreSQL flexible server's private host name (port 5432)");
    return { database_fqdn: b.ref(server, "fqdn") };
  },

  compute({ b, who, name, spec, parts }) {
    // The cluster's identity wraps and unwraps with the key (KMS etcd encryption): a role on the vault of the key it uses.
    const crypto = b.resource(who, "azurerm_role_assignment", "compute_key_user", {
      scope: one(parts, "key_vault_id"),
      role_definition_name: "Key Vault Crypto User",
      principal_id: one(parts, "identity_principal_id"),
      principal_type: "ServicePrincipal",
    });
    const cluster = b.resource(
      who,
      "azurerm_kubernetes_cluster",
      "compute",
      {
        name: name("aks"),
        location: spec.region,
        resource_group_name: resourceGroup(b, who, name, spec.region),
        dns_prefix: name("aks"),
        kubernetes_version: spec.cloud.settings.kubernetes_version,
        private_cluster_enabled: true,
        oidc_issuer_enabled: true,
        workload_identity_enabled: true,
        default_node_pool: [{ name: "system", vm_size: who.size.machine, node_count: who.size.nodes, vnet_subnet_id: one(parts, "node_subnet_id") }],
        identity: [{ type: "UserAssigned", identity_ids: [one(parts, "identity_id")] }],
        key_management_service: [{ key_vault_key_id: one(parts, "key_id") }],
      },
      { tags: "tags", dependsOn: [crypto.address] },
    );
    b.output("cluster_endpoint", cluster, "private_fqdn", "the AKS API server's private host name");
    return { cluster_id: b.ref(cluster, "id") };
  },
};

/** The owner's resource group, made once per owner (the first kind that needs it makes it). */
function resourceGroup(b: Parameters<CloudMapping["keys"]>[0]["b"], who: Parameters<CloudMapping["keys"]>[0]["who"], name: (what: string) => string, region: string): string {
  const handle = b.once(who, "azurerm_resource_group", who.level === "each" ? "tenant_group" : "group", () => ({ name: name("rg"), location: region }), { tags: "tags" });
  return b.ref(handle, "name");
}
