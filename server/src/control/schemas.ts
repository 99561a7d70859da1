/**
 * The control API's schemas (zod, with their OpenAPI names): what each route takes and
 * answers. The same objects validate requests and produce `/openapi.json`
 * (@hono/zod-openapi), so the document cannot drift from what the server does.
 * Objects the runtime owns are described by their main fields and pass others through.
 */
import { z } from "@hono/zod-openapi";

const TENANT_STATES = ["pending", "provisioning", "provisioning_failed", "active", "suspended", "offboarding", "offboarded"] as const;

export const ProblemSchema = z
  .object({
    type: z.string().openapi({ example: "urn:paybill:error:PBR110" }),
    title: z.string(),
    status: z.number().int(),
    code: z.string().openapi({ example: "PBR110" }),
    detail: z.string(),
    help: z.string(),
  })
  .openapi("Problem");

export const TenantSchema = z
  .looseObject({
    id: z.string(),
    plan: z.string(),
    state: z.enum(TENANT_STATES),
    region: z.string().optional(),
    cloud: z.string().optional(),
    pendingPlan: z.string().optional(),
    static: z.boolean(),
  })
  .openapi("Tenant");

export const StepSchema = z.looseObject({ kind: z.enum(["provision", "move_data", "retire", "deprovision"]), tenant: z.string() }).openapi("ProvisionStep");

export const PlanSchema = z.looseObject({ tenant: z.string(), reason: z.enum(["onboard", "plan_change", "offboard"]), steps: z.array(StepSchema) }).openapi("ProvisioningPlan");

export const TransitionSchema = z
  .looseObject({ tenant: z.string(), seq: z.number().int(), event: z.string(), from: z.string().optional(), to: z.string(), reason: z.string().optional(), actor: z.string(), at: z.string(), plan: z.string() })
  .openapi("Transition");

export const ProductPlanSchema = z.looseObject({ name: z.string() }).openapi("Plan");

export const RunSchema = z
  .looseObject({ id: z.string(), tenant: z.string(), workflow: z.string(), agent: z.string(), state: z.string(), final: z.boolean(), steps: z.number().int(), writes: z.number().int() })
  .openapi("Run");

export const RunMoveSchema = z.looseObject({ to: z.string() }).openapi("RunMove");

export const ApprovalSchema = z
  .looseObject({
    id: z.string(),
    tenant: z.string(),
    run: z.string().optional(),
    agent: z.string(),
    action: z.string(),
    group: z.string(),
    status: z.string(),
    requestedAt: z.string(),
    decidedBy: z.string().optional(),
    decidedAt: z.string().optional(),
    note: z.string().optional(),
  })
  .openapi("Approval");

export const AuditRecordSchema = z
  .looseObject({ id: z.string(), seq: z.number().int(), time: z.string(), tenant: z.string(), agent: z.string(), action: z.string(), decision: z.string(), hash: z.string(), prevHash: z.string() })
  .openapi("AuditRecord");

export const VerifySchema = z.looseObject({ ok: z.boolean() }).openapi("AuditVerification");

export const DecisionSchema = z.looseObject({ decision: z.enum(["allow", "deny", "pending"]), reasons: z.array(z.looseObject({})) }).openapi("Decision");

export const UsageRowSchema = z
  .looseObject({ tenant: z.string(), period: z.string(), metric: z.string(), quantity: z.number(), plan: z.string() })
  .openapi("UsageRow");

export const BillingResultSchema = z.looseObject({ applied: z.boolean(), duplicate: z.boolean(), tenant: TenantSchema }).openapi("BillingResult");

export const MeterEventSchema = z
  .object({ event_name: z.string(), identifier: z.string(), timestamp: z.number().int(), payload: z.record(z.string(), z.string()) })
  .openapi("MeterEvent");

export const TenantId = z.object({ id: z.string().openapi({ param: { name: "id", in: "path" }, example: "acme" }) });
export const ApprovalId = z.object({ id: z.string().openapi({ param: { name: "id", in: "path" } }) });

export const OnboardBody = z.object({ id: z.string(), plan: z.string(), region: z.string().optional(), cloud: z.string().optional() }).openapi("OnboardRequest");
export const ChangePlanBody = z.object({ plan: z.string() }).openapi("ChangePlanRequest");
export const ReasonBody = z.object({ reason: z.string().optional() }).openapi("ReasonRequest");
export const DecideBody = z
  .object({ tenant: z.string(), agent: z.string(), action: z.string(), input: z.record(z.string(), z.unknown()), run: z.string().optional(), time: z.string().optional() })
  .openapi("DecideRequest");
export const ApproverBody = z.object({ note: z.string().optional() }).openapi("ApproverRequest");
export const BillingEventBody = z
  .object({ id: z.string(), type: z.enum(["payment_succeeded", "payment_failed", "subscription_canceled", "trial_ended"]), tenant: z.string(), at: z.string().optional(), paid: z.boolean().optional() })
  .openapi("BillingEvent");
export const UsageBody = z.object({ tenant: z.string(), metric: z.string(), quantity: z.number(), at: z.string().optional() }).openapi("UsageRecord");
export const PushUsageBody = z.object({ period: z.string(), tenant: z.string().optional(), dryRun: z.boolean().default(true) }).openapi("PushUsageRequest");
export const AuditQueryParams = z.object({
  tenant: z.string(),
  agent: z.string().optional(),
  action: z.string().optional(),
  decision: z.enum(["allow", "deny", "pending"]).optional(),
  run: z.string().optional(),
  from: z.string().optional(),
  to: z.string().optional(),
  afterSeq: z.coerce.number().int().optional(),
  limit: z.coerce.number().int().min(1).max(10_000).optional(),
});
