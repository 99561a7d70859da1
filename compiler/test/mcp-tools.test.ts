/**
 * The tools' input schemas against the runtime's own input check (decide/records.ts): the
 * law is that what a tool's JSON Schema accepts, the runtime accepts — an agent that
 * follows the schema is never refused for its input's shape. The one exception is a
 * decimal number with more digits after the point than the scale allows (JSON Schema's
 * `multipleOf` errs on binary fractions, so the schema only says it); and a duration past
 * ±10000 years, which no pattern bounds (not generated here).
 * Validated with the SDK's own Ajv validator (the one MCP clients use).
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { AjvJsonSchemaValidator } from "@modelcontextprotocol/sdk/validation/ajv";
import type { ActionSchema, FieldSchema, FieldType } from "@paybill/runtime";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { readInput, recordSchema } from "../../runtime/src/decide/records.js";
import { inputJsonSchema, moveTool } from "../../server/src/mcp/tools.js";
import { permittable } from "../../server/src/mcp/session.js";
import { emitOk, HELPDESK } from "./support/bundle.js";

const ajv = new AjvJsonSchemaValidator();
const compiled = new Map<string, (value: unknown) => boolean>();
/** Whether the schema accepts the value; validators are compiled once per schema (compiling is the slow part). */
function accepts(schema: object, value: unknown): boolean {
  const key = JSON.stringify(schema);
  let check = compiled.get(key);
  if (check === undefined) {
    const validator = ajv.getValidator(schema as Parameters<typeof ajv.getValidator>[0]);
    check = (v) => validator(v).valid;
    compiled.set(key, check);
  }
  return check(value);
}

const scalar: fc.Arbitrary<FieldType> = fc.oneof(
  fc.constant({ kind: "uuid" } as const),
  fc.option(fc.integer({ min: 0, max: 6 }), { nil: undefined }).map((max): FieldType => (max === undefined ? { kind: "string" } : { kind: "string", max })),
  fc.uniqueArray(fc.constantFrom("a", "b", "open", "closed"), { minLength: 1, maxLength: 3 }).map((values): FieldType => ({ kind: "enum", values })),
  fc.constant({ kind: "int" } as const),
  fc
    .record({ precision: fc.option(fc.integer({ min: 1, max: 6 }), { nil: undefined }), scale: fc.option(fc.integer({ min: 0, max: 3 }), { nil: undefined }) })
    .filter((d) => d.precision === undefined || d.scale === undefined || d.scale <= d.precision)
    .map((d): FieldType => ({ kind: "decimal", ...(d.precision === undefined ? {} : { precision: d.precision }), ...(d.precision === undefined || d.scale === undefined ? {} : { scale: d.scale }) })),
  fc.constant({ kind: "money" } as const),
  fc.constant({ kind: "bool" } as const),
  fc.constant({ kind: "timestamp" } as const),
  fc.constant({ kind: "duration" } as const),
  fc.constant({ kind: "json" } as const),
);
const fieldType: fc.Arbitrary<FieldType> = fc.oneof(
  { weight: 4, arbitrary: scalar },
  fc.record({ element: scalar, max: fc.option(fc.integer({ min: 0, max: 3 }), { nil: undefined }) }).map(({ element, max }): FieldType => ({ kind: "list", element, ...(max === undefined ? {} : { max }) })),
);

/** Values near a type: mostly of its kind (valid or just outside its limits), sometimes anything. */
function near(type: FieldType): fc.Arbitrary<unknown> {
  return fc.oneof({ weight: 6, arbitrary: kindOf(type) }, { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 2 }) });
}

/** Mostly values the runtime takes, and the ones just past its limits. */
function kindOf(type: FieldType): fc.Arbitrary<unknown> {
  const w = <T>(weight: number, arbitrary: fc.Arbitrary<T>) => ({ weight, arbitrary });
  switch (type.kind) {
    case "uuid":
      return fc.oneof(w(4, fc.uuid()), w(1, fc.string()), w(1, fc.constant("0F8FAD5B-D9CB-469F-A165-70867728950E")));
    case "string":
      return fc.string({ unit: "binary", maxLength: (type.max ?? 8) + 1 });
    case "enum":
      return fc.oneof(w(4, fc.constantFrom(...type.values)), w(1, fc.string()));
    case "int":
      return fc.oneof(w(4, fc.integer()), w(1, fc.maxSafeInteger()), w(1, fc.double()), w(1, fc.constantFrom(2 ** 53, -(2 ** 53), "12", 1.0)));
    case "decimal":
    case "money":
      return fc.oneof(
        w(3, fc.integer({ min: -9999, max: 9999 })),
        w(3, fc.integer({ min: -999999, max: 999999 }).map((n) => n / 100)),
        w(1, fc.double({ noNaN: true, min: -1e7, max: 1e7 })),
        w(3, fc.stringMatching(/^-?\d{1,6}(\.\d{1,4})?$/)),
        w(1, fc.constantFrom("1e3", "NaN", "0.5", "-0", "00012.5", Number.POSITIVE_INFINITY)),
      );
    case "bool":
      return fc.oneof(w(4, fc.boolean()), w(1, fc.constantFrom("true", 0)));
    case "timestamp":
      return fc.oneof(
        w(4, fc.date({ noInvalidDate: true, min: new Date("0001-01-01T00:00:00Z"), max: new Date("9999-12-31T23:59:59Z") }).map((d) => d.toISOString())),
        w(1, fc.date({ noInvalidDate: true }).map((d) => d.toISOString())),
        w(1, fc.constantFrom("2030-01-01T00:00:00Z", "2030-01-01t10:00:00+02:00", "2030-01-01 10:00:00Z", "2030-13-01T00:00:00Z", "2030-02-30T00:00:00Z", "2030-01-01")),
      );
    case "duration":
      return fc.oneof(w(4, fc.constantFrom("1h30m", "90s", "-1.5h", "0", "+0", "1.h", ".5s", "1µs2ns")), w(2, fc.constantFrom("1hm", "1x", "", "-", ".h", "1h 2m")), w(1, fc.string()));
    case "json":
      return fc.jsonValue({ maxDepth: 2 });
    case "list":
      return fc.array(near(type.element), { maxLength: (type.max ?? 3) + 1 });
  }
}

const field = (name: string, type: FieldType, optional: boolean): FieldSchema => ({ name, type, optional, pii: false });

describe("tool input schemas", () => {
  it("law: an input the tool's JSON Schema accepts, the runtime's input check accepts (but a decimal's scale)", () => {
    const case_ = fc
      .array(fc.record({ type: fieldType, optional: fc.boolean() }), { minLength: 1, maxLength: 3 })
      .map((specs) => specs.map((s, i) => field(`f${i}`, s.type, s.optional)))
      .chain((fields) =>
        fc.record({
          fields: fc.constant(fields),
          input: fc.tuple(...fields.map((f) => fc.option(near(f.type), { nil: undefined, freq: 5 }))).map((values) => {
            const input: Record<string, unknown> = {};
            fields.forEach((f, i) => {
              if (values[i] !== undefined) input[f.name] = values[i];
            });
            return input;
          }),
          // An unknown field now and then (null: none).
          extra: fc.oneof({ weight: 9, arbitrary: fc.constant(null) }, { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 1 }) }),
        }),
      );
    let accepted = 0;
    fc.assert(
      fc.property(case_, ({ fields, input, extra }) => {
        // What arrives over MCP is JSON (an Infinity among the generated values becomes null).
        const value: unknown = JSON.parse(JSON.stringify(extra === null ? input : { ...input, unknown_field: extra }));
        const action: ActionSchema = { name: "a", input: fields, requires: [] };
        if (!accepts(inputJsonSchema(action), value)) return;
        accepted++;
        try {
          readInput(recordSchema(fields), value);
        } catch (error) {
          expect(String(error)).toMatch(/digits after the decimal point/);
        }
      }),
      { numRuns: 1000 },
    );
    // The law is only worth something if the schemas accept a fair share of the inputs.
    expect(accepted).toBeGreaterThan(200);
  });

  it("states each field kind as the runtime reads it", () => {
    const action: ActionSchema = {
      name: "refund",
      requires: [],
      input: [
        { ...field("ticket", { kind: "uuid" }, false), references: { entity: "Ticket", field: "id" } },
        field("amount", { kind: "decimal", precision: 12, scale: 2 }, false),
        field("tags", { kind: "list", element: { kind: "string", max: 20 }, max: 5 }, true),
        field("channel", { kind: "enum", values: ["email", "chat"] }, false),
      ],
    };
    expect(inputJsonSchema(action)).toEqual({
      type: "object",
      properties: {
        ticket: expect.objectContaining({ type: "string", format: "uuid", description: "the `id` of a `Ticket`" }),
        amount: expect.objectContaining({ type: ["number", "string"], pattern: "^-?\\d{1,10}(\\.\\d{1,2})?$", exclusiveMaximum: 1e10, exclusiveMinimum: -1e10 }),
        tags: { type: "array", items: { type: "string", maxLength: 20 }, maxItems: 5 },
        channel: { type: "string", enum: ["email", "chat"] },
      },
      required: ["ticket", "amount", "channel"],
      additionalProperties: false,
    });
    expect(moveTool("triage", ["escalate", "resolve"]).inputSchema).toEqual({
      type: "object",
      properties: { state: { type: "string", enum: ["escalate", "resolve"] } },
      required: ["state"],
      additionalProperties: false,
    });
  });

  it("offers an agent outside a run the actions some permit rule names for it (or for any agent)", () => {
    // Its files by hand: a PGlite directory `.paybill` may sit beside them.
    const files = readdirSync(HELPDESK).filter((name) => name.endsWith(".paybill") && !name.startsWith("."));
    const { bundle } = emitOk(files.map((name) => [name, readFileSync(join(HELPDESK, name), "utf8")] as [string, string]));
    expect(permittable(bundle, "support_bot")).toEqual(["close_ticket", "lookup_customer", "read_ticket", "refund", "reply", "set_priority"]);
    expect(permittable(bundle, "billing_bot")).toEqual(["read_ticket", "refund"]);
    expect(permittable(bundle, "nobody")).toEqual([]);
  });
});
