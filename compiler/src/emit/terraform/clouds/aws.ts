/**
 * AWS: VPC with two private subnets, RDS for PostgreSQL, EKS with a managed node group,
 * KMS, S3 and IAM (spec/infrastructure.md §1), and beside each database an Object Lock
 * bucket for the audit checkpoints (aws-audit.ts). Attribute names are those of the
 * hashicorp/aws provider pinned in std.clouds; compiler/test checks every generated type
 * and attribute against that provider's schema and runs `terraform validate`.
 */
import { nameKey } from "../names.js";
import { protection, whenOffboarding } from "../constructs.js";
import { type CloudMapping, json, many, one } from "../mapping.js";
import { auditCheckpointBucket } from "./aws-audit.js";

/**
 * What nodes in private subnets (no internet, no NAT) reach over VPC endpoints: ECR's API and
 * registry (images; their layers come from S3, the gateway endpoint), STS and EKS Auth (the
 * pods' roles, EKS Pod Identity), EC2 (the VPC CNI), Secrets Manager (the database's managed
 * secret), KMS (the keys), CloudWatch Logs.
 */
const INTERFACE_ENDPOINTS = ["ecr.api", "ecr.dkr", "sts", "eks-auth", "ec2", "secretsmanager", "kms", "logs"] as const;

/**
 * The S3 resources (bucket and objects) of the `what` buckets (`data`, `audit`) an owner's role
 * may use: its own by name; for the shared owner of a cell whose `kind` (the one that makes
 * those buckets) is per tenant, those of the cell's tenants — an HCL expression over
 * `local.tenants`, falling back to the cell's own name (no stack makes it) when the cell has
 * no tenant, as IAM refuses a statement without resources.
 */
function bucketsOf(who: { tenant: string; slug: string }, spec: Parameters<CloudMapping["identity"]>[0]["spec"], kind: "storage" | "database", what: "data" | "audit", name: (what: string) => string): { placeholder: string[]; expression?: string } {
  // The bucket's own name, as the storage and audit mappings name it (names.ts).
  const own = name(what);
  const arns = (bucket: string) => [`arn:aws:s3:::${bucket}`, `arn:aws:s3:::${bucket}/*`];
  if (who.tenant !== "shared" || !spec.isolation.dedicated.has(kind)) return { placeholder: arns(own) };
  // A cell's tenants' own buckets: each tenant's name of it in `local.tenants` (names.ts tenantNamesExpr).
  const each = `\${t.names.${nameKey(what)}}`;
  return {
    placeholder: arns(`${own} (per tenant)`),
    expression: `coalescelist(flatten([for t in values(local.tenants) : ["arn:aws:s3:::${each}", "arn:aws:s3:::${each}/*"]]), ${JSON.stringify(arns(own))})`,
  };
}

const assume = (service: string, actions: string[] = ["sts:AssumeRole"]) =>
  json({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Principal: { Service: service }, Action: actions }] });

export const aws: CloudMapping = {
  tagValue: (value) => value,

  provider(b, spec) {
    const { cloud } = spec;
    b.provider("aws", {
      region: spec.region,
      default_tags: [{ tags: { ...cloud.tags, "managed-by": "paybill" } }],
      ...(cloud.account === undefined ? {} : { allowed_account_ids: [cloud.account] }),
    });
    b.dataOnce("aws_availability_zones", "available", { state: "available" });
  },

  keys({ b, who, name }) {
    // Kept at offboarding: the audit checkpoint bucket, which outlives the tenant, is encrypted with it.
    const key = b.resource(who, "aws_kms_key", "key", { description: `paybill: ${name("key")}`, enable_key_rotation: true, deletion_window_in_days: 30 }, { tags: "tags", kept: true });
    b.resource(who, "aws_kms_alias", "key_alias", { name: `alias/${name("key")}`, target_key_id: b.ref(key, "key_id") }, { kept: true });
    b.output(`${who.idPrefix ?? ""}key`, key, "arn", "the KMS key (ARN) the stack's data is encrypted with");
    return { key_arn: b.ref(key, "arn") };
  },

  network({ b, who, spec, name }) {
    const cidr = spec.cloud.settings.network_cidr;
    const vpc = b.resource(who, "aws_vpc", "network", { cidr_block: cidr, enable_dns_hostnames: true, enable_dns_support: true }, { tags: "tags" });
    const subnets = [0, 1].map((i) =>
      b.resource(
        who,
        "aws_subnet",
        `network_private_${i}`,
        { vpc_id: b.ref(vpc, "id"), cidr_block: `\${cidrsubnet("${cidr}", 4, ${i})}`, availability_zone: `\${data.aws_availability_zones.available.names[${i}]}`, map_public_ip_on_launch: false },
        { tags: "tags" },
      ),
    );
    const group = b.resource(who, "aws_db_subnet_group", "network_database", { name: name("db"), subnet_ids: subnets.map((s) => b.ref(s, "id")) }, { tags: "tags" });
    const sg = b.resource(who, "aws_security_group", "network_database", { name: name("db"), description: "PostgreSQL from inside the network", vpc_id: b.ref(vpc, "id") }, { tags: "tags" });
    b.resource(
      who,
      "aws_vpc_security_group_ingress_rule",
      "network_database_postgres",
      { security_group_id: b.ref(sg, "id"), cidr_ipv4: cidr, ip_protocol: "tcp", from_port: 5432, to_port: 5432, description: "PostgreSQL" },
      { tags: "tags" },
    );
    // Egress of the private nodes: VPC endpoints, no route to the internet.
    b.resource(
      who,
      "aws_vpc_endpoint",
      "network_s3",
      { vpc_id: b.ref(vpc, "id"), service_name: `com.amazonaws.${spec.region}.s3`, vpc_endpoint_type: "Gateway", route_table_ids: [b.ref(vpc, "main_route_table_id")] },
      { tags: "tags" },
    );
    const endpoints = b.resource(who, "aws_security_group", "network_endpoints", { name: name("endpoints"), description: "HTTPS to the VPC endpoints from inside the network", vpc_id: b.ref(vpc, "id") }, { tags: "tags" });
    b.resource(
      who,
      "aws_vpc_security_group_ingress_rule",
      "network_endpoints_https",
      { security_group_id: b.ref(endpoints, "id"), cidr_ipv4: cidr, ip_protocol: "tcp", from_port: 443, to_port: 443, description: "HTTPS" },
      { tags: "tags" },
    );
    for (const service of INTERFACE_ENDPOINTS) {
      b.resource(
        who,
        "aws_vpc_endpoint",
        `network_${service.replace(/[.-]/g, "_")}`,
        {
          vpc_id: b.ref(vpc, "id"),
          service_name: `com.amazonaws.${spec.region}.${service}`,
          vpc_endpoint_type: "Interface",
          subnet_ids: subnets.map((s) => b.ref(s, "id")),
          security_group_ids: [b.ref(endpoints, "id")],
          private_dns_enabled: true,
        },
        { tags: "tags" },
      );
    }
    return { vpc_id: b.ref(vpc, "id"), subnet_ids: subnets.map((s) => b.ref(s, "id")), db_subnet_group: b.ref(group, "name"), db_security_group: b.ref(sg, "id") };
  },

  identity({ b, who, name, spec }) {
    const role = b.resource(who, "aws_iam_role", "identity_workload", { name: name("workload"), assume_role_policy: assume("pods.eks.amazonaws.com", ["sts:AssumeRole", "sts:TagSession"]) }, { tags: "tags" });
    // The role reaches the buckets of its stack only: its own, or, for a shared role, the cell's
    // shared bucket or those of the cell's tenants (never another cell's, nor a silo tenant's).
    const data = bucketsOf(who, spec, "storage", "data", name);
    const audit = bucketsOf(who, spec, "database", "audit", name);
    const statements = [
      { Effect: "Allow", Action: ["s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:ListBucket"], Resource: data.placeholder },
      // The audit checkpoints: written, and read by versions as the runtime's S3CheckpointSink does; never a version deleted.
      { Effect: "Allow", Action: ["s3:GetObject", "s3:GetObjectVersion", "s3:PutObject", "s3:ListBucket", "s3:ListBucketVersions"], Resource: audit.placeholder },
    ];
    const text = json({ Version: "2012-10-17", Statement: statements });
    const perTenant = data.expression !== undefined || audit.expression !== undefined;
    // Per-tenant buckets: the list is Terraform's (`local.tenants`), so the policy is `jsonencode` of an HCL object (HCL takes JSON's `:`).
    const policy = perTenant
      ? `\${jsonencode(${text.replace(JSON.stringify(data.placeholder), data.expression ?? JSON.stringify(data.placeholder)).replace(JSON.stringify(audit.placeholder), audit.expression ?? JSON.stringify(audit.placeholder))})}`
      : text;
    b.resource(who, "aws_iam_role_policy", "identity_workload_data", { name: "paybill-data", role: b.ref(role, "id"), policy });
    return { workload_role_arn: b.ref(role, "arn") };
  },

  storage({ b, who, name, parts }) {
    const bucket = b.resource(who, "aws_s3_bucket", "storage", { bucket: name("data"), force_destroy: whenOffboarding(who) }, { tags: "tags" });
    b.resource(who, "aws_s3_bucket_server_side_encryption_configuration", "storage_encryption", {
      bucket: b.ref(bucket, "id"),
      rule: [{ apply_server_side_encryption_by_default: [{ sse_algorithm: "aws:kms", kms_master_key_id: one(parts, "key_arn") }], bucket_key_enabled: true }],
    });
    b.resource(who, "aws_s3_bucket_public_access_block", "storage_private", { bucket: b.ref(bucket, "id"), block_public_acls: true, block_public_policy: true, ignore_public_acls: true, restrict_public_buckets: true });
    b.output("bucket", bucket, "id", "the S3 bucket for the tenant's files");
    return { bucket: b.ref(bucket, "id") };
  },

  database(input) {
    const { b, who, name, parts, spec } = input;
    const { settings } = spec.cloud;
    // The database holds the audit chains: their checkpoints go to a locked bucket beside it.
    auditCheckpointBucket(input);
    const db = b.resource(
      who,
      "aws_db_instance",
      "database",
      {
        identifier: name("db"),
        engine: "postgres",
        engine_version: settings.postgres_version,
        instance_class: who.size.database,
        allocated_storage: who.size.storage_gb,
        storage_type: "gp3",
        storage_encrypted: true,
        kms_key_id: one(parts, "key_arn"),
        db_name: "paybill",
        username: "paybill_admin",
        manage_master_user_password: true,
        master_user_secret_kms_key_id: one(parts, "key_arn"),
        iam_database_authentication_enabled: true,
        db_subnet_group_name: one(parts, "db_subnet_group"),
        vpc_security_group_ids: [one(parts, "db_security_group")],
        publicly_accessible: false,
        backup_retention_period: 7,
        deletion_protection: protection(who, settings.deletion_protection),
        skip_final_snapshot: false,
        final_snapshot_identifier: name("db-final"),
      },
      { tags: "tags" },
    );
    b.output("database_endpoint", db, "endpoint", "the PostgreSQL server (host:port), reachable inside the network");
    b.output("database_credentials", db, "master_user_secret[0].secret_arn", "the Secrets Manager secret (ARN) holding the admin credentials RDS manages: a reference, never the password");
    return { database_endpoint: b.ref(db, "endpoint") };
  },

  compute({ b, who, name, parts, spec }) {
    const clusterRole = b.resource(who, "aws_iam_role", "compute_cluster", { name: name("eks"), assume_role_policy: assume("eks.amazonaws.com") }, { tags: "tags" });
    const clusterPolicy = b.resource(who, "aws_iam_role_policy_attachment", "compute_cluster_policy", { role: b.ref(clusterRole, "name"), policy_arn: "arn:aws:iam::aws:policy/AmazonEKSClusterPolicy" });
    const nodeRole = b.resource(who, "aws_iam_role", "compute_nodes", { name: name("eks-nodes"), assume_role_policy: assume("ec2.amazonaws.com") }, { tags: "tags" });
    const nodePolicies = ["AmazonEKSWorkerNodePolicy", "AmazonEKS_CNI_Policy", "AmazonEC2ContainerRegistryReadOnly"];
    const attachments = nodePolicies.map((p, i) =>
      b.resource(who, "aws_iam_role_policy_attachment", `compute_nodes_policy_${i}`, { role: b.ref(nodeRole, "name"), policy_arn: `arn:aws:iam::aws:policy/${p}` }),
    );
    const subnets = many(parts, "subnet_ids");
    const cluster = b.resource(
      who,
      "aws_eks_cluster",
      "compute",
      {
        name: name("eks"),
        role_arn: b.ref(clusterRole, "arn"),
        version: spec.cloud.settings.kubernetes_version,
        vpc_config: [{ subnet_ids: subnets, endpoint_private_access: true, endpoint_public_access: false }],
        encryption_config: [{ resources: ["secrets"], provider: [{ key_arn: one(parts, "key_arn") }] }],
      },
      { tags: "tags", dependsOn: [clusterPolicy.address] },
    );
    const nodes = b.resource(
      who,
      "aws_eks_node_group",
      "compute_nodes",
      {
        cluster_name: b.ref(cluster, "name"),
        node_group_name: "paybill",
        node_role_arn: b.ref(nodeRole, "arn"),
        subnet_ids: subnets,
        instance_types: [who.size.machine],
        scaling_config: [{ desired_size: who.size.nodes, min_size: 1, max_size: who.size.nodes }],
      },
      { tags: "tags", dependsOn: attachments.map((a) => a.address) },
    );
    // EKS Pod Identity: the agent (a DaemonSet, so after the nodes) and the workload role for
    // the runtime's pods — service account `paybill` in namespace `paybill`.
    b.resource(who, "aws_eks_addon", "compute_pod_identity", { cluster_name: b.ref(cluster, "name"), addon_name: "eks-pod-identity-agent" }, { tags: "tags", dependsOn: [nodes.address] });
    b.resource(
      who,
      "aws_eks_pod_identity_association",
      "compute_workload",
      { cluster_name: b.ref(cluster, "name"), namespace: "paybill", service_account: "paybill", role_arn: one(parts, "workload_role_arn") },
      { tags: "tags" },
    );
    b.output("cluster_endpoint", cluster, "endpoint", "the EKS API server (private endpoint)");
    return { cluster_name: b.ref(cluster, "name") };
  },
};
