/**
 * A small JSON Schema (draft 2020-12) validator for the keywords spec/bundle.schema.json
 * uses, so tests can hold the bundle against its published schema without a library. A
 * keyword it does not know is an error, never silently ignored.
 */

type Schema = boolean | { readonly [keyword: string]: unknown };

const ANNOTATIONS = new Set(["$schema", "$id", "title", "description", "$defs"]);
const KNOWN = new Set([...ANNOTATIONS, "$ref", "type", "const", "enum", "properties", "required", "additionalProperties", "propertyNames", "items", "oneOf", "minLength", "minimum", "maximum", "pattern"]);

export class JsonSchema {
  constructor(private readonly root: Schema) {}

  /** The first failure as `path: reason`, or undefined when `value` is valid. */
  validate(value: unknown): string | undefined {
    return this.check(this.root, value, "$");
  }

  private resolve(ref: string): Schema {
    if (!ref.startsWith("#/")) throw new Error(`unsupported $ref ${ref}`);
    let node: unknown = this.root;
    for (const part of ref.slice(2).split("/")) node = (node as Record<string, unknown>)[part];
    if (node === undefined) throw new Error(`dangling $ref ${ref}`);
    return node as Schema;
  }

  private check(schema: Schema, value: unknown, path: string): string | undefined {
    if (schema === true) return undefined;
    if (schema === false) return `${path}: not allowed`;
    for (const keyword of Object.keys(schema)) if (!KNOWN.has(keyword)) throw new Error(`unsupported keyword ${keyword}`);
    const s = schema as Record<string, unknown>;
    const fail = (reason: string) => `${path}: ${reason}`;
    if (typeof s.$ref === "string") {
      const found = this.check(this.resolve(s.$ref), value, path);
      if (found !== undefined) return found;
    }
    if (s.type !== undefined && !hasType(value, s.type as string)) return fail(`not ${s.type}`);
    if ("const" in s && !same(value, s.const)) return fail(`not ${JSON.stringify(s.const)}`);
    if (Array.isArray(s.enum) && !s.enum.some((e) => same(e, value))) return fail("not in enum");
    if (typeof value === "string") {
      if (typeof s.minLength === "number" && [...value].length < s.minLength) return fail("too short");
      if (typeof s.pattern === "string" && !new RegExp(s.pattern, "u").test(value)) return fail("does not match pattern");
    }
    if (typeof value === "number" && typeof s.minimum === "number" && value < s.minimum) return fail("below minimum");
    if (typeof value === "number" && typeof s.maximum === "number" && value > s.maximum) return fail("above maximum");
    if (Array.isArray(value) && s.items !== undefined) {
      for (let i = 0; i < value.length; i++) {
        const found = this.check(s.items as Schema, value[i], `${path}[${i}]`);
        if (found !== undefined) return found;
      }
    }
    if (isObject(value)) {
      const properties = (s.properties ?? {}) as Record<string, Schema>;
      for (const key of (s.required ?? []) as string[]) if (!Object.hasOwn(value, key)) return fail(`missing ${key}`);
      for (const [key, item] of Object.entries(value)) {
        if (s.propertyNames !== undefined) {
          const found = this.check(s.propertyNames as Schema, key, `${path}.${key}`);
          if (found !== undefined) return found;
        }
        const sub = Object.hasOwn(properties, key) ? properties[key] : s.additionalProperties;
        if (sub === undefined) continue;
        const found = this.check(sub as Schema, item, `${path}.${key}`);
        if (found !== undefined) return found;
      }
    }
    if (Array.isArray(s.oneOf)) {
      const passing = s.oneOf.filter((option) => this.check(option as Schema, value, path) === undefined).length;
      if (passing !== 1) return fail(`${passing} of oneOf match`);
    }
    return undefined;
  }
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === "object" && value !== null && !Array.isArray(value);

function hasType(value: unknown, type: string): boolean {
  switch (type) {
    case "object":
      return isObject(value);
    case "array":
      return Array.isArray(value);
    case "string":
      return typeof value === "string";
    case "boolean":
      return typeof value === "boolean";
    case "number":
      return typeof value === "number" && Number.isFinite(value);
    case "integer":
      return typeof value === "number" && Number.isInteger(value);
    case "null":
      return value === null;
    default:
      throw new Error(`unsupported type ${type}`);
  }
}

function same(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}
