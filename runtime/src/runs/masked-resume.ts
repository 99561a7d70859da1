/**
 * Resuming an approval whose action has `@secret` or `@pii` inputs. Their values were never
 * stored (the approvals row keeps the mask or keyed hash, audit/input-record.ts), so the
 * host gives them again: `runtime.resume(id, { input: { password } })`. Without them the
 * resume is refused (PBR171) and the approval stays granted; with an `auditKey` each given
 * value must hash to what the approval kept, so what is performed is what was approved
 * (PBR172). Without a key the mask `"***"` proves nothing and the values are taken as given.
 */
import { HMAC_PREFIX, maskedFields, maskValue } from "../audit/input-record.js";
import type { ActionSchema } from "../bundle/format.js";
import { PaybillRuntimeError } from "../store/errors.js";
import type { ApprovalRequest } from "./approvals.js";

/** The key `openRuntime({ auditKey })` was given, as bytes (PBR173 when shorter than 32 bytes). */
export function auditKeyOf(key: string | Uint8Array | undefined): Uint8Array | undefined {
  if (key === undefined) return undefined;
  const bytes = typeof key === "string" ? Buffer.from(key, "utf8") : key instanceof Uint8Array ? Uint8Array.from(key) : undefined;
  if (bytes === undefined || bytes.length < 32) {
    throw new PaybillRuntimeError(
      "PBR173",
      `the audit key is ${bytes === undefined ? "not a string or bytes" : `${bytes.length} bytes long`}; it must be at least 32 bytes`,
      "pass `auditKey` as 32 or more random bytes (e.g. `crypto.randomBytes(32)`), kept outside the database, or leave it out to store masked values as `\"***\"`",
    );
  }
  return bytes;
}

/** The request's input for resuming `approval`: what was stored, with the masked values given again. */
export function resumedInput(
  approval: ApprovalRequest,
  action: ActionSchema | undefined,
  given: Readonly<Record<string, unknown>> | undefined,
  key: Uint8Array | undefined,
): Readonly<Record<string, unknown>> {
  const masked = maskedFields(action).filter((name) => Object.hasOwn(approval.input, name));
  const values = given ?? {};
  for (const name of Object.keys(values)) {
    if (!masked.includes(name)) {
      throw new PaybillRuntimeError(
        "PBR172",
        `\`${name.slice(0, 64)}\` is not a masked input of approval \`${approval.id}\``,
        masked.length === 0 ? "this approval kept its whole input: resume it without `input`" : `give only its masked inputs: ${masked.map((m) => `\`${m}\``).join(", ")}`,
      );
    }
  }
  const missing = masked.filter((name) => !Object.hasOwn(values, name));
  if (missing.length > 0) {
    throw new PaybillRuntimeError(
      "PBR171",
      `approval \`${approval.id}\` needs the values of its masked inputs ${missing.map((m) => `\`${m}\``).join(", ")}, which were not stored`,
      `\`@secret\` and \`@pii\` inputs are never stored: pass them again with \`resume(id, { input: { ${missing.join(", ")} } })\`; the approval stays granted`,
    );
  }
  if (masked.length === 0) return approval.input;
  const input: Record<string, unknown> = { ...approval.input };
  for (const name of masked) {
    const kept = approval.input[name];
    if (key !== undefined && typeof kept === "string" && kept.startsWith(HMAC_PREFIX) && maskValue(values[name], key) !== kept) {
      throw new PaybillRuntimeError(
        "PBR172",
        `the value given for \`${name}\` is not the one approval \`${approval.id}\` was granted for`,
        "give the value the agent sent when the action was made to wait (its keyed hash is what the approval kept), or have the agent act again",
      );
    }
    input[name] = values[name];
  }
  return input;
}
