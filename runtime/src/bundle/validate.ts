/**
 * The bundle's shape, checked by hand: the same rules as spec/bundle.schema.json (a test
 * keeps the two in agreement), written as small combinators so each rule reads like the
 * schema's. The first problem found is returned with the JSON path of the value at fault.
 *
 * Structure only; `load.ts` then checks that names name something. No JSON Schema library:
 * the runtime stays light.
 */

export interface Problem {
  /** `$.actions.close_ticket.effect.op` */
  readonly path: string;
  readonly message: string;
}

type Check = (value: unknown, path: string, depth: number) => Problem | undefined;

/** Deeper than any real field type (`list(list(…))`); a cycle or a hostile file stops here. */
const MAX_DEPTH = 64;

const problem = (path: string, message: string): Problem => ({ path, message });
const describe = (value: unknown): string => (value === null ? "null" : Array.isArray(value) ? "an array" : typeof value === "object" ? "an object" : `${typeof value} ${JSON.stringify(value)}`);

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === "object" && value !== null && !Array.isArray(value);

export function member(path: string, key: string): string {
  return /^[A-Za-z_][A-Za-z0-9_]*$/.test(key) ? `${path}.${key}` : `${path}[${JSON.stringify(key)}]`;
}

const string =
  (minLength = 0): Check =>
  (value, path) =>
    typeof value !== "string" ? problem(path, `expected a string, found ${describe(value)}`) : value.length < minLength ? problem(path, "expected a non-empty string") : undefined;
const name = string(1);

const pattern =
  (re: RegExp, what: string): Check =>
  (value, path) =>
    typeof value !== "string" || !re.test(value) ? problem(path, `expected ${what}, found ${describe(value)}`) : undefined;

const integer =
  (minimum: number): Check =>
  (value, path) =>
    typeof value !== "number" || !Number.isInteger(value) || value < minimum ? problem(path, `expected a whole number of at least ${minimum}, found ${describe(value)}`) : undefined;

const number =
  (minimum: number): Check =>
  (value, path) =>
    typeof value !== "number" || !Number.isFinite(value) || value < minimum ? problem(path, `expected a number of at least ${minimum}, found ${describe(value)}`) : undefined;

const boolean: Check = (value, path) => (typeof value !== "boolean" ? problem(path, `expected true or false, found ${describe(value)}`) : undefined);

const oneOf =
  (...allowed: readonly (string | number)[]): Check =>
  (value, path) =>
    allowed.includes(value as string | number) ? undefined : problem(path, `expected ${allowed.map((a) => JSON.stringify(a)).join(" or ")}, found ${describe(value)}`);

const array =
  (item: Check): Check =>
  (value, path, depth) => {
    if (!Array.isArray(value)) return problem(path, `expected an array, found ${describe(value)}`);
    for (let i = 0; i < value.length; i++) {
      const found = item(value[i], `${path}[${i}]`, depth + 1);
      if (found !== undefined) return found;
    }
    return undefined;
  };

/** An object with exactly these members (`?` after a name: optional); no others. */
const object =
  (members: Readonly<Record<string, Check>>): Check =>
  (value, path, depth) => {
    if (depth > MAX_DEPTH) return problem(path, `nested more than ${MAX_DEPTH} levels deep`);
    if (!isRecord(value)) return problem(path, `expected an object, found ${describe(value)}`);
    const known = new Map(Object.entries(members).map(([key, check]) => [key.replace(/\?$/, ""), { check, optional: key.endsWith("?") }]));
    for (const [key, { check, optional }] of known) {
      if (!Object.hasOwn(value, key)) {
        if (optional) continue;
        return problem(path, `\`${key}\` is missing`);
      }
      const found = check(value[key], member(path, key), depth + 1);
      if (found !== undefined) return found;
    }
    for (const key of Object.keys(value)) if (!known.has(key)) return problem(member(path, key), `unknown member \`${key}\``);
    return undefined;
  };

/** An object used as a map: keys are free, every value is checked. */
const map =
  (valueCheck: Check): Check =>
  (value, path, depth) => {
    if (!isRecord(value)) return problem(path, `expected an object, found ${describe(value)}`);
    for (const [key, item] of Object.entries(value)) {
      if (key === "") return problem(path, "a key is empty");
      const found = valueCheck(item, member(path, key), depth + 1);
      if (found !== undefined) return found;
    }
    return undefined;
  };

/** One of several object shapes, chosen by the value of `kind`. */
const byKind =
  (variants: Readonly<Record<string, Check>>): Check =>
  (value, path, depth) => {
    if (!isRecord(value)) return problem(path, `expected an object, found ${describe(value)}`);
    const kind = value.kind;
    const variant = typeof kind === "string" && Object.hasOwn(variants, kind) ? variants[kind] : undefined;
    if (variant === undefined) return problem(member(path, "kind"), `expected ${Object.keys(variants).map((k) => JSON.stringify(k)).join(", ")}, found ${describe(kind)}`);
    return variant(value, path, depth);
  };

const either =
  (first: Check, second: Check): Check =>
  (value, path, depth) => {
    const a = first(value, path, depth);
    if (a === undefined) return undefined;
    const b = second(value, path, depth);
    return b === undefined ? undefined : isRecord(value) ? b : a;
  };

// ---- the bundle ----

const dataOp = oneOf("read", "insert", "update", "delete");
const cel = object({ cel: string(1) });
/** A list read's `limit`: 1 to 100. */
const listLimit: Check = (value, path, depth) =>
  integer(1)(value, path, depth) ?? ((value as number) > 100 ? problem(path, `expected a whole number from 1 to 100, found ${describe(value)}`) : undefined);
/** A list read's `where` (format.ts `RowFilter`): `all`, `any` or one comparison, by which member it has. */
const rowFilter: Check = (value, path, depth) => {
  if (isRecord(value) && Object.hasOwn(value, "all")) return object({ all: array(rowFilter) })(value, path, depth);
  if (isRecord(value) && Object.hasOwn(value, "any")) return object({ any: array(rowFilter) })(value, path, depth);
  return object({ field: name, op: oneOf("==", "!=", "<", "<=", ">", ">="), value: cel })(value, path, depth);
};

const fieldType: Check = byKind({
  uuid: object({ kind: oneOf("uuid") }),
  string: object({ kind: oneOf("string"), "max?": integer(1) }),
  int: object({ kind: oneOf("int") }),
  decimal: object({ kind: oneOf("decimal"), "precision?": integer(1), "scale?": integer(0) }),
  money: object({ kind: oneOf("money") }),
  bool: object({ kind: oneOf("bool") }),
  timestamp: object({ kind: oneOf("timestamp") }),
  duration: object({ kind: oneOf("duration") }),
  json: object({ kind: oneOf("json") }),
  enum: object({ kind: oneOf("enum"), values: array(name) }),
  list: object({ kind: oneOf("list"), element: (v, p, d) => fieldType(v, p, d), "max?": integer(1) }),
});

const fieldMembers = {
  name,
  type: fieldType,
  optional: boolean,
  pii: boolean,
  "references?": object({ entity: name, field: name }),
};
const inputField = object({ ...fieldMembers, "secret?": (value, path) => (value === true ? undefined : problem(path, `expected true, found ${describe(value)}`)) });
const entityField = object({
  ...fieldMembers,
  "id?": boolean,
  "unique?": boolean,
  "default?": string(1),
  "untrusted?": (value, path) => (value === true ? undefined : problem(path, `expected true, found ${describe(value)}`)),
});

const selector = byKind({
  action: object({ kind: oneOf("action"), action: name }),
  data: object({ kind: oneOf("data"), op: dataOp, entity: name, "field?": name }),
  any: object({ kind: oneOf("any") }),
});

/** `paybillc build --release N`: a whole number from 1 that JavaScript holds exactly. */
const release: Check = (value, path, depth) =>
  integer(1)(value, path, depth) ?? (Number.isSafeInteger(value) ? undefined : problem(path, `expected a whole number of at most ${Number.MAX_SAFE_INTEGER}, found ${describe(value)}`));

const quantity = object({ amount: number(0), "unit?": name, "per?": name });

const bundle = object({
  format: oneOf("paybill-bundle"),
  version: oneOf(1, 2),
  hash: pattern(/^sha256:[0-9a-f]{64}$/, "`sha256:` and 64 lowercase hex digits"),
  "release?": release,
  "signature?": object({
    algorithm: oneOf("ed25519"),
    key: pattern(/^sha256:[0-9a-f]{64}$/, "`sha256:` and 64 lowercase hex digits"),
    value: pattern(/^[A-Za-z0-9+/]{85}[AQgw]==$/, "an ed25519 signature in canonical base64 (88 characters, its unused bits zero)"),
  }),
  entities: map(object({ name, table: name, key: name, fields: array(entityField) })),
  actions: map(
    object({
      name,
      input: array(inputField),
      "effect?": object({
        op: dataOp,
        entity: name,
        "key?": cel,
        "set?": array(object({ field: name, value: cel, "keep?": array(name) })),
        "many?": object({ "where?": rowFilter, limit: listLimit }),
      }),
      "host?": (value, path) => (value === true ? undefined : problem(path, `expected true, found ${describe(value)}`)),
      requires: array(name),
      "description?": string(),
    }),
  ),
  agents: map(object({ name, roles: array(name), "description?": string(), "runs?": oneOf("required") })),
  "groups?": array(name),
  policies: array(
    object({
      name,
      rules: array(
        object({
          id: name,
          effect: oneOf("permit", "forbid", "require"),
          agents: array(name),
          actions: array(selector),
          "when?": object({ cel: string(1), types: object({
              input: pattern(/^(action:.+|common:.+|dyn|none)$/, "`action:<name>`, `common:<names>`, `dyn` or `none`"),
              resource: pattern(/^(entity:.+|none)$/, "`entity:<name>` or `none`"),
            }) }),
          "lookups?": array(object({ entity: name, where: array(object({ field: name, value: string(1) })) })),
          "approval?": object({ group: name, "timeoutMs?": integer(1) }),
        }),
      ),
      "attributes?": map((_value, _path) => undefined),
    }),
  ),
  workflows: map(
    object({
      name,
      agent: name,
      budget: object({ "steps?": integer(0), "writes?": integer(0), "deadlineMs?": integer(0) }),
      start: name,
      states: map(
        object({ name, allow: array(selector), next: array(name), "approval?": string(1), final: boolean, "timeoutMs?": integer(0),
          "edges?": map(object({ "by?": oneOf("agent"), "when?": object({ cel: string(1) }) })) }),
      ),
      "context?": array(inputField),
    }),
  ),
  plans: map(
    object({
      name,
      isolation: object({ model: name, "cloud?": name }),
      "price?": either(oneOf("custom"), quantity),
      "trialDays?": number(0),
      "graceDays?": number(0),
      "retentionDays?": number(0),
      limits: map(quantity),
      features: array(name),
    }),
  ),
  tenants: map(object({ name, plan: name, "cloud?": name, "region?": string(1) })),
  "totals?": map(object({ kind: oneOf("total", "count"), action: name, "field?": name, per: name, type: oneOf("int", "double") })),
});

/** The first way `value` is not a well-formed bundle, or undefined. */
export function structureProblem(value: unknown): Problem | undefined {
  return bundle(value, "$", 0);
}
