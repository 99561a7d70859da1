/**
 * The state backend of one stack (spec/infrastructure.md §5): the cloud's `backend { … }`,
 * or local state beside the stack's file. Every stack gets its own state key, derived from
 * its name under the project's prefix (`key_prefix`, else `paybill/<package>`), so stacks
 * never share state, nor do two projects that share a state bucket.
 */
import { AzurermBackend, GcsBackend, LocalBackend, S3Backend, type TerraformStack } from "cdktn";
import type { StackSpec } from "./layout.js";

export function addBackend(stack: TerraformStack, spec: StackSpec): void {
  const backend = spec.cloud.backend;
  const str = (key: string): string | undefined => {
    const v = backend?.settings[key];
    return typeof v === "string" ? v : undefined;
  };
  const prefix = str("key_prefix") ?? spec.cloud.stateKeyPrefix;
  switch (backend?.type) {
    case undefined:
      new LocalBackend(stack, { path: "terraform.tfstate" });
      return;
    case "local":
      new LocalBackend(stack, { path: `${str("path") ?? "."}/${spec.name}.tfstate` });
      return;
    case "s3":
      new S3Backend(stack, {
        bucket: str("bucket") ?? "",
        key: `${prefix}/${spec.name}.tfstate`,
        region: str("region") ?? (spec.cloud.provider === "aws" ? spec.cloud.region : "us-east-1"),
        encrypt: backend.settings.encrypt !== false,
        useLockfile: backend.settings.use_lockfile !== false,
      });
      return;
    case "azurerm":
      new AzurermBackend(stack, {
        resourceGroupName: str("resource_group_name") ?? "",
        storageAccountName: str("storage_account_name") ?? "",
        containerName: str("container_name") ?? "",
        key: `${prefix}/${spec.name}.tfstate`,
      });
      return;
    case "gcs":
      new GcsBackend(stack, { bucket: str("bucket") ?? "", prefix: `${str("prefix") ?? spec.cloud.stateKeyPrefix}/${spec.name}` });
      return;
  }
}
