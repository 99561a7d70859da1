/**
 * @paybill/runtime — what enforces a Paybill project inside an agent service: it loads the
 * bundle `paybillc build` writes, decides every agent action (policies, workflows,
 * budgets, entitlements) and performs it tenant-scoped with an audit record.
 *
 * This package must stay light: it may not import the parser, TypeScript, CDK or
 * drizzle-kit. Its only input is the bundle, whose format is versioned.
 */
export * from "./bundle/format.js";
export { bundleHash, canonicalJson, sha256Hex } from "./bundle/canonical.js";
export type * from "./decide/request.js";
export type { ConditionOutcome, DeciderApi, EvaluatedRule, OperandChain, PreparedEffect, TracedDecision, TraceOptions } from "./decide/decider-api.js";
export { Decider, EffectError, type LoadProblem } from "./decide/decider.js";
export { allowedActions, selectorAllows } from "./decide/workflow.js";
export { BundleError, type BundleErrorCode, type LoadOptions, loadBundle, readBundle } from "./bundle/load.js";
export type { ReleaseOptions } from "./bundle/release.js";
export { publicKeyId, signBundle, type TrustedKey } from "./bundle/signature.js";
export {
  openRuntime,
  Runtime,
  type ActRequest,
  type ActResult,
  type ApprovalRequest,
  type ApprovalStatus,
  type AuditQuery,
  type AuditRecord,
  type DatabaseConfig,
  type DecideRequest,
  type Run,
  type RunMove,
  type RuntimeOptions,
  type StartRun,
  type VerifyResult,
} from "./runtime.js";
export { PaybillRuntimeError, type RuntimeErrorCode } from "./store/errors.js";
export { Telemetry, type TelemetryOptions } from "./telemetry/telemetry.js";
export { checkRunContext, MAX_CONTEXT_VALUES, type RunContext } from "./runs/run-context.js";
export type { HostOutcome, PendingPerformance, Perform, Report } from "./runs/performances.js";
export type { Approver } from "./runs/approver.js";
export { type ApprovalMessage, type ApprovalNotifications, type ApprovalWebhook, type Delivery, approvalMessage } from "./runs/approval-notify.js";
export type * from "./control/types.js";
export { BILLING_EVENT_TYPES } from "./control/types.js";
export { allowedEvents, LIFECYCLE, LIFECYCLE_EVENTS, nextState, TENANT_STATES } from "./control/lifecycle.js";
export { RecordingProvisioner, type RecordingProvisionerOptions } from "./control/recording-provisioner.js";
export type { Onboard } from "./control/tenants.js";
export type { UsageRecord } from "./control/usage.js";
export { billingPeriod } from "./control/usage.js";
export * as cloudNames from "./control/cloud-names.js";
export { type MoveControl, type MovePhase, type MoveReport, type MoveRequest, moveTenantData, readMove, type TableMoved } from "./control/data-move.js";
export { type EraseReport, type EraseRequest, eraseTenantData, type ExportedEntity, exportTenantData, importTenantData } from "./control/offboarding.js";
export { bridgeSchemaOf, type DataEndpoint, tablesInOrder, tableSum, type TenantTable } from "./control/tenant-rows.js";
export { entityTablesSql } from "./store/entity-tables.js";
export { migrate as migrateRuntime, type MigrateResult } from "./store/migrate.js";
export { LATEST_VERSION as RUNTIME_SCHEMA_VERSION } from "./store/migrations.js";
export { CONTROL_ROLE, roleSql, RUNTIME_ROLE, RUNTIME_ROLES, type RuntimeRole } from "./store/roles.js";
export { policySql as runtimePolicySql, RUNTIME_TABLE_SECURITY, type RuntimeTablePolicy, type RuntimeTableSecurity } from "./store/table-policies.js";
export { type DataDirLock, LOCK_FILE, lockDataDir } from "./store/data-dir-lock.js";
export type { Database, Sql } from "./store/adapter.js";
export type { AgentToken, TokenIdentity } from "./store/agent-tokens.js";
export type { Observation, ObserveResult } from "./runs/provenance.js";
/** How a value is recorded and compared as untrusted output (`paybillc test`'s `given untrusted` records its values so). */
export { normaliseUntrusted } from "./cel/untrusted.js";
export type { AuditProblem, CheckedCheckpoint } from "./audit/verify.js";
export type { AuditOptions } from "./audit/config.js";
export { type Checkpoint, keyId, type KeyInput, loadPrivateKey, loadPublicKey, type SignedCheckpoint, signedText } from "./audit/checkpoint.js";
export { type CheckpointSink, FileCheckpointSink } from "./audit/checkpoint-sink.js";
export { S3CheckpointSink, type S3CheckpointSinkOptions } from "./audit/s3-checkpoint-sink.js";
export type { CheckpointEvery } from "./audit/checkpoints.js";
export { answerInMemory, type LookupQuery } from "./decide/lookups.js";
export * as routing from "./routing/index.js";
export { type DatabaseTarget, type PlacementConnection, type PlacementTarget, type RouterOptions, type TenancyModel, TenantRouter } from "./routing/index.js";
