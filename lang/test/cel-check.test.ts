/**
 * The CEL type checker on real conditions: each is parsed inside a policy, so a problem's
 * span is checked as a line and column of the `.paybill` file.
 */
import type { CelExpr, DiagnosticKind } from "@paybill/lang";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { type CelType, checkCel, checkCondition, checkSafety, T, typeName } from "../src/3-check/cel/index.js";
import { columnOf, ENV, located, parseCondition } from "../src/3-check/cel/test-support/cel-fixture.js";
import { cel as parserCel } from "./support/arbitraries.js";

function typeOf(condition: string): string {
  const { expr } = parseCondition(condition);
  const result = checkCel(expr, ENV);
  expect(result.problems).toEqual([]);
  return typeName(result.type);
}

function problemsOf(condition: string) {
  const { source, expr } = parseCondition(condition);
  return checkCondition(expr, ENV).problems.map((p) => ({ kind: p.kind, ...located(source, p.span), message: p.message, help: p.help }));
}

interface Case {
  readonly cel: string;
  readonly kind: DiagnosticKind;
  /** The text the problem's span covers (its `nth` occurrence in the condition). */
  readonly at: string;
  readonly nth?: number;
  readonly message: string;
  readonly help?: string;
}

/** Exactly one problem, of this kind, at this line and column, with this message (and help). */
function expectProblem(c: Case): void {
  const found = problemsOf(c.cel);
  expect(found, JSON.stringify(found)).toHaveLength(1);
  const [p] = found;
  expect({ kind: p?.kind, text: p?.text, line: p?.line, column: p?.column, message: p?.message }).toEqual({
    kind: c.kind,
    text: c.at,
    line: 2,
    column: columnOf(c.cel, c.at, c.nth),
    message: c.message,
  });
  if (c.help !== undefined) expect(p?.help).toBe(c.help);
}

const run = (cases: readonly Case[]) => it.each(cases.map((c) => [c.cel, c] as const))("%s", (_, c) => expectProblem(c));

describe("the acceptance example", () => {
  it("reports `resource.amount == \"x\"` at the column of `\"x\"`", () => {
    const cel = 'resource.amount == "x"';
    expect(problemsOf(cel)).toEqual([
      {
        kind: "celTypeMismatch",
        text: '"x"',
        line: 2,
        column: columnOf(cel, '"x"'),
        message: "expected `double`, found `string`",
        help: "write a number, or convert the string with `double(…)`",
      },
    ]);
  });
});

describe("types of well-typed expressions", () => {
  const table: [string, string][] = [
    // literals
    ["1", "int"], ["0x1F", "int"], ["-5", "int"], ["-0x10", "int"], ["5u", "uint"], ["0x5u", "uint"], ["2.5", "double"], ["1e3", "double"],
    ['"s"', "string"], ["'s'", "string"], ['r"\\d"', "string"], ['"""x"""', "string"], ['b"ab"', "bytes"], ["true", "bool"], ["null", "null"],
    // variables, fields and elements
    ["principal", "principal"], ["input.amount", "double"], ["resource.amount", "double?"], ["resource", "Ticket"],
    [".resource.status", "string"], ["tenant.limits", "map(string, int)"], ["tenant.limits.seats", "int"], ['tenant.limits["seats"]', "int"],
    ["input.tags[0]", "string"], ["context.approvals[0].group", "string"], ["resource.tags.anything", "dyn"], ["resource.tags[0]", "dyn"],
    ['resource.tags["k"].x', "dyn"], ["principal.roles", "list(string)"],
    // unary
    ["!true", "bool"], ["!!resource.tags", "bool"], ["-resource.priority", "int"], ["-input.amount", "double"], ["-resource.amount", "double"],
    ["-resource.tags", "dyn"],
    // logic
    ["true && false", "bool"], ["true || resource.tags", "bool"],
    // equality
    ['resource.status == "x"', "bool"], ["resource.amount == 1.5", "bool"], ["resource.amount == null", "bool"], ["null == resource.amount", "bool"],
    ["resource.tags == 1", "bool"], ["1 != resource.tags", "bool"], ["principal == null", "bool"], ["input.tags == null", "bool"],
    ["tenant.limits != null", "bool"], ['input.tags == ["a"]', "bool"], ["[1] == [dyn(1)]", "bool"], ["resource == resource", "bool"],
    ["null == null", "bool"], ['{"a": 1} == tenant.limits', "bool"],
    // ordering, numbers of different kinds included
    ["resource.priority < 5", "bool"], ["resource.priority < 5u", "bool"], ["resource.priority <= 5.0", "bool"], ["5u >= 2.0", "bool"],
    ["1.5 > 1", "bool"], ['"a" < "b"', "bool"], ['b"a" < b"b"', "bool"], ["false < true", "bool"],
    ['context.time < timestamp("2024-01-01T00:00:00Z")', "bool"], ['duration("1h") > duration("1m")', "bool"], ["resource.amount > 1.0", "bool"],
    ["resource.tags > 1", "bool"],
    // arithmetic
    ["1 + 2", "int"], ["1u + 2u", "uint"], ["1.0 + 2.0", "double"], ['"a" + "b"', "string"], ['b"a" + b"b"', "bytes"], ["[1] + [2]", "list(int)"],
    ['input.tags + ["x"]', "list(string)"], ["[1] + []", "list(dyn)"], ['context.time + duration("1h")', "timestamp"],
    ['duration("1h") + context.time', "timestamp"], ['duration("1h") + duration("1m")', "duration"], ["context.time - context.time", "duration"],
    ['context.time - duration("1h")', "timestamp"], ["5 - 2 * 3 / 1 % 2", "int"], ["5u % 2u", "uint"], ["7.0 / 2.0", "double"],
    ["resource.amount * 2.0", "double"], ["resource.tags + 1", "int"], ["resource.tags + resource.tags", "dyn"],
    ['resource.tags - duration("1h")', "dyn"], ["resource.tags + [1]", "list(int)"], ["input.tags + resource.tags", "list(string)"],
    // membership
    ['"x" in input.tags', "bool"], ['"seats" in tenant.limits', "bool"], ["1 in resource.tags", "bool"], ['resource.status in ["open", "closed"]', "bool"],
    ["resource.tags in input.tags", "bool"], ["null in [null]", "bool"],
    // conditional
    ["true ? 1 : 2", "int"], ["true ? resource.amount : 1.0", "double?"], ["true ? 1.0 : null", "double?"], ["true ? null : input.tags", "list(string)?"],
    ["true ? 1 : resource.tags", "dyn"], ["resource.tags ? 1 : 2", "int"], ["true ? [1] : [2, 3]", "list(int)"], ["true ? [1] : []", "list(dyn)"],
    // list and map literals
    ["[]", "list(dyn)"], ["[1, 2]", "list(int)"], ['[1, "a"]', "list(dyn)"], ["[1, null]", "list(int?)"], ['{"a": 1}', "map(string, int)"],
    ['{1: "a", 2u: "b"}', "map(dyn, string)"], ["{}", "map(dyn, dyn)"], ['{true: [1], false: []}', "map(bool, list(dyn))"],
    ['{resource.tags: 1}', "map(dyn, int)"],
    // functions
    ['size("abc")', "int"], ['"abc".size()', "int"], ['size(b"a")', "int"], ["size(input.tags)", "int"], ["size(tenant.limits)", "int"],
    ["tenant.limits.size()", "int"], ["size(resource.tags)", "int"], ["resource.tags.size()", "int"], ['resource.status.contains("x")', "bool"],
    ['resource.status.startsWith("x")', "bool"], ['resource.status.endsWith("x")', "bool"], ['resource.status.matches("^a+$")', "bool"],
    ['matches(resource.status, "^a")', "bool"], ["resource.status.lowerAscii()", "string"], ["resource.status.upperAscii()", "string"],
    ['resource.tags.contains("x")', "bool"], ["resource.amount.size", "error"],
    ["int(1u)", "int"], ["int(1.5)", "int"], ['int("1")', "int"], ["int(context.time)", "int"], ["int(resource.tags)", "int"],
    ["uint(1)", "uint"], ["double(1)", "double"], ['double("1.5")', "double"], ["double(resource.amount)", "double"], ["string(1)", "string"],
    ["string(context.time)", "string"], ['string(b"a")', "string"], ["string(true)", "string"], ['bytes("a")', "bytes"], ['bool("true")', "bool"],
    ['timestamp("2024-01-01T00:00:00Z")', "timestamp"], ["timestamp(context.time)", "timestamp"], ['duration("1h")', "duration"], ["dyn(1)", "dyn"],
    ["dyn(input)", "dyn"],
    ["context.time.getFullYear()", "int"], ["context.time.getMonth()", "int"], ["context.time.getDayOfMonth()", "int"],
    ["context.time.getDayOfWeek()", "int"], ["context.time.getHours()", "int"], ["context.time.getMinutes()", "int"],
    ["context.time.getSeconds()", "int"], ['context.time.getHours("Europe/Paris")', "int"], ['context.time.getDayOfWeek("UTC")', "int"],
    ['duration("1h").getHours()', "int"], ['duration("1h").getMinutes()', "int"], ['duration("1h").getSeconds()', "int"],
    ['duration("1h").getMilliseconds()', "int"], ["resource.tags.getHours()", "int"],
    // macros
    ["has(resource.amount)", "bool"], [".has(resource.amount)", "bool"], ["has(tenant.limits.seats)", "bool"], ["has(resource.tags.x)", "bool"], ["has(context.approvals)", "bool"],
    ['input.tags.all(t, t != "")', "bool"], ['input.tags.exists(t, t == "x")', "bool"], ['input.tags.exists_one(t, t == "x")', "bool"],
    ["input.tags.map(t, size(t))", "list(int)"], ['input.tags.map(t, t != "", size(t))', "list(int)"], ['input.tags.filter(t, t != "")', "list(string)"],
    ['tenant.limits.filter(k, k != "")', "list(string)"], ["tenant.limits.map(k, tenant.limits[k])", "list(int)"], ["resource.tags.map(x, x)", "list(dyn)"],
    ["resource.tags.exists(x, x)", "bool"], ["context.approvals.map(a, a.group)", "list(string)"], ["resource.amount.map(x, x)", "error"],
    ["[[1, 2], [3]].map(l, l.map(x, x * 2))", "list(list(int))"],
  ];
  // Rows typed `error` are listed for their problem-free siblings; they are tested below.
  it.each(table.filter(([, type]) => type !== "error"))("%s is a %s", (cel, type) => {
    expect(typeOf(cel)).toBe(type);
  });

  it("keeps the declared size caps through filter, map, concatenation and literals", () => {
    const caps = (cel: string): number | undefined => {
      const { expr } = parseCondition(cel);
      const type = checkCel(expr, ENV).type;
      return type.kind === "list" || type.kind === "map" ? type.max : -1;
    };
    expect(caps('input.tags.filter(t, t != "")')).toBe(20);
    expect(caps("input.tags.map(t, size(t))")).toBe(20);
    expect(caps("input.tags + input.tags")).toBe(40);
    expect(caps("[1, 2, 3]")).toBe(3);
    expect(caps('{"a": 1}')).toBe(1);
    expect(caps("input.tags + principal.roles")).toBeUndefined();
    expect(caps("true ? input.tags : []")).toBe(20);
  });
});

describe("names", () => {
  run([
    {
      cel: 'prinicpal.id == "x"',
      kind: "celUndeclared",
      at: "prinicpal",
      message: "undeclared variable `prinicpal`",
      help: "did you mean `principal`?",
    },
    {
      cel: "zzz",
      kind: "celUndeclared",
      at: "zzz",
      message: "undeclared variable `zzz`",
      help: "a condition can use `context`, `input`, `principal`, `resource`, `tenant`",
    },
    { cel: 'input.tags.exists(tag, tagg == "x")', kind: "celUndeclared", at: "tagg", message: "undeclared variable `tagg`", help: "did you mean `tag`?" },
    // `.name` is looked up among the declared variables only, past any comprehension variable.
    { cel: 'input.tags.exists(t, .t == "x")', kind: "celUndeclared", at: ".t", message: "undeclared variable `.t`" },
    // A comprehension variable is not visible after its comprehension.
    { cel: 'input.tags.exists(t, true) && t == "x"', kind: "celUndeclared", at: "t", nth: 2, message: "undeclared variable `t`" },
    {
      cel: 'resource.stauts == "x"',
      kind: "celUnknownField",
      at: "stauts",
      message: "`Ticket` has no field `stauts`",
      help: "did you mean `status`?",
    },
    {
      cel: "resource.zzzzzz",
      kind: "celUnknownField",
      at: "zzzzzz",
      message: "`Ticket` has no field `zzzzzz`",
      help: "the fields of `Ticket` are `amount`, `priority`, `status`, `tags`",
    },
    { cel: "resource.amount.foo > 1.0", kind: "celUnknownField", at: "foo", message: "`double?` has no field `foo`" },
    {
      cel: "resource.status.size > 1",
      kind: "celUnknownField",
      at: "size",
      message: "`string` has no field `size`",
      help: "`size` is a function: write `resource.status.size()`",
    },
    {
      cel: '{1: "a"}.x == "a"',
      kind: "celTypeMismatch",
      at: '{1: "a"}',
      message: "expected a map with `string` keys, found `map(int, string)`",
      help: 'index it instead: `{1: "a"}[…]`',
    },
    { cel: 'input.tags["a"] == "b"', kind: "celTypeMismatch", at: '"a"', nth: 1, message: "expected `int`, found `string`", help: "write a number, or convert the string with `int(…)`" },
    { cel: "tenant.limits[1] > 0", kind: "celTypeMismatch", at: "1", message: "expected `string`, found `int`", help: 'quote it: `"1"`' },
    {
      cel: 'resource["status"] == "open"',
      kind: "celTypeMismatch",
      at: "resource",
      message: "expected a list or a map, found `Ticket`",
      help: "select the field instead: `resource.status`",
    },
    { cel: 'resource.status[0] == "a"', kind: "celTypeMismatch", at: "resource.status", message: "expected a list or a map, found `string`" },
  ]);
});

describe("operators", () => {
  run([
    { cel: "!resource.status", kind: "celTypeMismatch", at: "resource.status", message: "expected `bool`, found `string`", help: 'compare it: `resource.status == "…"`' },
    { cel: '-"a" == "b"', kind: "celTypeMismatch", at: '"a"', message: "expected `int` or `double`, found `string`" },
    { cel: "-(5u) < 1u", kind: "celTypeMismatch", at: "5u", message: "expected `int` or `double`, found `uint`" },
    {
      cel: "resource.priority && true",
      kind: "celTypeMismatch",
      at: "resource.priority",
      message: "expected `bool`, found `int`",
      help: "compare it: `resource.priority > 0`",
    },
    { cel: "true || input.tags", kind: "celTypeMismatch", at: "input.tags", message: "expected `bool`, found `list(string)`", help: "test its size: `size(input.tags) > 0`" },
    {
      cel: "resource.status == null",
      kind: "celTypeMismatch",
      at: "null",
      message: "expected `string`, found `null`",
      help: "`resource.status` is not optional, so it is never `null`",
    },
    { cel: "null != resource.priority", kind: "celTypeMismatch", at: "null", message: "expected `int`, found `null`" },
    { cel: "resource.priority == 1.0", kind: "celTypeMismatch", at: "1.0", message: "expected `int`, found `double`", help: "write `1` instead" },
    { cel: "input.amount == 1", kind: "celTypeMismatch", at: "1", message: "expected `double`, found `int`", help: "write `1.0` instead" },
    { cel: "resource.priority == 1u", kind: "celTypeMismatch", at: "1u", message: "expected `int`, found `uint`", help: "write `1` instead" },
    { cel: "resource.priority == input.amount", kind: "celTypeMismatch", at: "input.amount", message: "expected `int`, found `double`", help: "convert it with `int(…)`" },
    // A literal facing a computed value is blamed, wherever it stands.
    { cel: '"1" == resource.priority', kind: "celTypeMismatch", at: '"1"', message: "expected `int`, found `string`", help: "remove the quotes: `1`" },
    { cel: '"true" == resource.tags.flag || "true" != true', kind: "celTypeMismatch", at: "true", nth: 3, message: "expected `string`, found `bool`", help: 'quote it: `"true"`' },
    { cel: '[1] == ["a"]', kind: "celTypeMismatch", at: '["a"]', message: "expected `list(int)`, found `list(string)`" },
    { cel: "principal == tenant", kind: "celTypeMismatch", at: "tenant", message: "expected `principal`, found `tenant`" },
    {
      cel: 'resource.priority < "5"',
      kind: "celTypeMismatch",
      at: '"5"',
      message: "expected `int`, `uint` or `double`, found `string`",
      help: "remove the quotes: `5`",
    },
    {
      cel: "[1] < [2]",
      kind: "celTypeMismatch",
      at: "[1]",
      message: "expected `int`, `uint`, `double`, `string`, `bytes`, `bool`, `timestamp` or `duration`, found `list(int)`",
    },
    {
      cel: 'context.time < "2024-01-01T00:00:00Z"',
      kind: "celTypeMismatch",
      at: '"2024-01-01T00:00:00Z"',
      message: "expected `timestamp`, found `string`",
      help: 'convert it with `timestamp("2024-01-01T00:00:00Z")`',
    },
    { cel: 'context.time - context.time > "1h"', kind: "celTypeMismatch", at: '"1h"', message: "expected `duration`, found `string`", help: 'convert it with `duration("1h")`' },
    { cel: "input.amount + 1 > 2.0", kind: "celTypeMismatch", at: "1", message: "expected `double`, found `int`", help: "write `1.0` instead" },
    { cel: "1 + input.amount > 2.0", kind: "celTypeMismatch", at: "1", message: "expected `double`, found `int`", help: "write `1.0` instead" },
    { cel: '"a" - "b" == ""', kind: "celTypeMismatch", at: '"a"', message: "expected `int`, `uint`, `double`, `timestamp` or `duration`, found `string`" },
    { cel: "1.0 % 2.0 == 0.0", kind: "celTypeMismatch", at: "1.0", message: "expected `int` or `uint`, found `double`" },
    { cel: "resource.priority * 2u > 0", kind: "celTypeMismatch", at: "2u", message: "expected `int`, found `uint`", help: "write `2` instead" },
    { cel: "context.time + context.time > context.time", kind: "celTypeMismatch", at: "context.time", nth: 2, message: "expected `duration`, found `timestamp`" },
    { cel: "context.time - 1 > context.time", kind: "celTypeMismatch", at: "1", message: "expected `timestamp` or `duration`, found `int`" },
    { cel: 'size(input.tags + "x") > 0', kind: "celTypeMismatch", at: '"x"', message: "expected `list(string)`, found `string`" },
    { cel: '[1] + ["a"] == []', kind: "celTypeMismatch", at: '["a"]', message: "expected `list(int)`, found `list(string)`" },
    { cel: "{} + {} == {}", kind: "celTypeMismatch", at: "{}", message: "expected a number, string, bytes, list, timestamp or duration, found `map(dyn, dyn)`" },
    { cel: "resource.priority in input.tags", kind: "celTypeMismatch", at: "resource.priority", message: "expected `string`, found `int`", help: "convert it with `string(…)`" },
    { cel: 'resource.priority in ["a", "b"]', kind: "celTypeMismatch", at: '["a", "b"]', message: "expected `list(int)`, found `list(string)`" },
    {
      cel: '"a" in resource.status',
      kind: "celTypeMismatch",
      at: "resource.status",
      message: "expected a list or a map, found `string`",
      help: 'to look for text in a string, write `resource.status.contains("a")`',
    },
    { cel: "1 in tenant.limits", kind: "celTypeMismatch", at: "1", message: "expected `string`, found `int`" },
    { cel: "resource.status ? true : false", kind: "celTypeMismatch", at: "resource.status", message: "expected `bool`, found `string`" },
    { cel: 'true ? 1 : "a"', kind: "celTypeMismatch", at: '"a"', message: "expected `int`, found `string`", help: "write a number, or convert the string with `int(…)`" },
    { cel: "(true ? 1 : 1.0) > 0", kind: "celTypeMismatch", at: "1.0", message: "expected `int`, found `double`", help: "write `1` instead" },
    { cel: "(true ? principal : tenant) == null", kind: "celTypeMismatch", at: "tenant", message: "expected `principal`, found `tenant`", help: "both branches of `?:` must have the same type" },
  ]);

  it("reports both operands of `&&` when both are wrong: two mistakes", () => {
    expect(problemsOf("1 && resource.status").map((p) => p.text)).toEqual(["1", "resource.status"]);
  });
});

describe("literals and construction", () => {
  run([
    { cel: '{1.5: "a"}.size() > 0', kind: "celTypeMismatch", at: "1.5", message: "expected `int`, `uint`, `bool` or `string`, found `double`" },
    { cel: "size({[1]: 1}) > 0", kind: "celTypeMismatch", at: "[1]", message: "expected `int`, `uint`, `bool` or `string`, found `list(int)`" },
    {
      cel: "Msg{a: 1}.a == 1",
      kind: "celUnknownFunction",
      at: "Msg{a: 1}",
      message: "message construction `Msg{…}` is not supported in conditions",
    },
    { cel: "pkg.Msg{} == null", kind: "celUnknownFunction", at: "pkg.Msg{}", message: "message construction `pkg.Msg{…}` is not supported in conditions" },
  ]);
});

describe("functions", () => {
  run([
    { cel: "foo(1)", kind: "celUnknownFunction", at: "foo", message: "unknown function `foo`" },
    { cel: 'sise("a") > 0', kind: "celUnknownFunction", at: "sise", message: "unknown function `sise`", help: "did you mean `size`?" },
    { cel: "resource.status.lenght() > 3", kind: "celUnknownFunction", at: "lenght", message: "unknown function `lenght`", help: "did you mean `size`?" },
    { cel: 'input.tags.any(t, t == "a")', kind: "celUnknownFunction", at: "any", message: "unknown function `any`", help: "did you mean `exists`?" },
    { cel: "resource.status.toLowerCase() == resource.status", kind: "celUnknownFunction", at: "toLowerCase", message: "unknown function `toLowerCase`", help: "did you mean `lowerAscii`?" },
    { cel: "resource.status.toString() == resource.status", kind: "celUnknownFunction", at: "toString", message: "unknown function `toString`" },
    { cel: "constructor(1) == 1", kind: "celUnknownFunction", at: "constructor", message: "unknown function `constructor`" },
    { cel: 'resource.status.startWith("a")', kind: "celUnknownFunction", at: "startWith", message: "unknown function `startWith`", help: "did you mean `startsWith`?" },
    {
      cel: 'resource.amount.contains("x")',
      kind: "celUnknownFunction",
      at: "contains",
      message: "no overload of `contains` matches `double?.contains(string)`",
      help: "`contains` is defined for `string.contains(string) -> bool`",
    },
    {
      cel: 'contains(resource.status, "x")',
      kind: "celUnknownFunction",
      at: "contains",
      message: "no overload of `contains` matches `contains(string, string)`",
    },
    { cel: "resource.status.contains(1)", kind: "celTypeMismatch", at: "1", message: "expected `string`, found `int`", help: 'quote it: `"1"`' },
    {
      cel: "resource.status.contains(resource.priority)",
      kind: "celTypeMismatch",
      at: "resource.priority",
      message: "expected `string`, found `int`",
      help: "convert it with `string(…)`",
    },
    {
      cel: "int(true) > 1",
      kind: "celUnknownFunction",
      at: "int",
      message: "no overload of `int` matches `int(bool)`",
      help: "`int` is defined for `int(int) -> int`, `int(uint) -> int`, `int(double) -> int`, `int(string) -> int`, `int(timestamp) -> int`",
    },
    {
      cel: "size(1) > 0",
      kind: "celUnknownFunction",
      at: "size",
      message: "no overload of `size` matches `size(int)`",
      help: "`size` is defined for `size(string) -> int`, `size(bytes) -> int`, `size(list) -> int`, `size(map) -> int`, `string.size() -> int`, `bytes.size() -> int`, `list.size() -> int`, `map.size() -> int`",
    },
    { cel: "context.time.getHours(1) > 3", kind: "celTypeMismatch", at: "1", message: "expected `string`, found `int`" },
    { cel: 'duration("1h").getFullYear() > 3', kind: "celUnknownFunction", at: "getFullYear", message: "no overload of `getFullYear` matches `duration.getFullYear()`" },
    { cel: "resource.status.startsWith()", kind: "celUnknownFunction", at: "startsWith", message: "no overload of `startsWith` matches `string.startsWith()`" },
    { cel: 'timestamp(1) > context.time', kind: "celUnknownFunction", at: "timestamp", message: "no overload of `timestamp` matches `timestamp(int)`" },
    { cel: 'resource.status.matches(1)', kind: "celTypeMismatch", at: "1", message: "expected `string`, found `int`" },
  ]);
});

describe("macros", () => {
  run([
    { cel: "has(resource)", kind: "celUnknownFunction", at: "resource", message: "`has` tests a field, found `resource`", help: "write `has(x.field)`, e.g. `has(resource.amount)`" },
    { cel: "has(resource.amout)", kind: "celUnknownField", at: "amout", message: "`Ticket` has no field `amout`", help: "did you mean `amount`?" },
    { cel: "has(resource.status.x)", kind: "celUnknownField", at: "x", message: "`string` has no field `x`" },
    { cel: "resource.has(status)", kind: "celUnknownFunction", at: "has", message: "`has` must be called as `has(x.field)`" },
    { cel: "input.tags.exists(t)", kind: "celUnknownFunction", at: "exists", message: "`exists` must be called as `list.exists(x, condition)`" },
    { cel: "exists(input.tags, t)", kind: "celUnknownFunction", at: "exists", message: "`exists` must be called as `list.exists(x, condition)`" },
    {
      cel: "input.tags.all(t.x, true)",
      kind: "celUnknownFunction",
      at: "t.x",
      message: "the first argument of `all` must be a variable name, found `t.x`",
      help: "write `list.all(x, condition)`",
    },
    {
      cel: "resource.status.exists(c, true)",
      kind: "celTypeMismatch",
      at: "resource.status",
      message: "expected a list or a map, found `string`",
      help: "`exists` goes through the elements of a list or the keys of a map",
    },
    { cel: "input.tags.all(t, t)", kind: "celTypeMismatch", at: "t", nth: 2, message: "expected `bool`, found `string`", help: 'compare it: `t == "…"`' },
    { cel: "size(input.tags.map(t, t, t)) > 0", kind: "celTypeMismatch", at: "t", nth: 2, message: "expected `bool`, found `string`" },
    { cel: "size(input.tags.filter(t, size(t))) > 0", kind: "celTypeMismatch", at: "size(t)", message: "expected `bool`, found `int`" },
    // Shadowing: the inner `a` is a string; after the inner comprehension `a` is an approval again.
    {
      cel: 'context.approvals.exists(a, input.tags.exists(a, a.group == "x"))',
      kind: "celUnknownField",
      at: "group",
      message: "`string` has no field `group`",
    },
  ]);

  it("binds comprehension variables to the element type, innermost first", () => {
    expect(typeOf('context.approvals.exists(a, input.tags.exists(a, a == "x") && a.group == "finance")')).toBe("bool");
    expect(typeOf('input.tags.exists(input, input.startsWith("a"))')).toBe("bool");
    expect(typeOf("tenant.limits.all(k, tenant.limits[k] > 0 && k.size() > 0)")).toBe("bool");
    expect(typeOf('input.tags.map(t, context.approvals.map(t, t.group)).exists(l, l.exists(g, g == "x"))')).toBe("bool");
    expect(typeOf('context.approvals.exists(a, a.group == "finance") && context.approvals.all(a, a.group != "")')).toBe("bool");
  });

  it("types the bound variable in the side table", () => {
    const { expr } = parseCondition('input.tags.exists(t, t == "x")');
    const result = checkCel(expr, ENV);
    const call = expr.kind === "CelCall" ? expr : undefined;
    const binder = call?.args[0];
    expect(binder && typeName(result.types.get(binder) ?? T.error)).toBe("string");
  });
});

describe("conditions", () => {
  run([
    {
      cel: "resource.priority",
      kind: "conditionNotBool",
      at: "resource.priority",
      message: "the condition is a `int`, not a `bool`",
      help: "compare it: `resource.priority > 0`",
    },
    { cel: "1 + 2", kind: "conditionNotBool", at: "1 + 2", message: "the condition is a `int`, not a `bool`" },
    { cel: "resource.amount", kind: "conditionNotBool", at: "resource.amount", message: "the condition is a `double?`, not a `bool`", help: "test whether it is set: `resource.amount != null`" },
    { cel: "context.time", kind: "conditionNotBool", at: "context.time", message: "the condition is a `timestamp`, not a `bool`", help: "a condition must be true or false" },
  ]);

  it("accepts `bool` and `dyn` conditions", () => {
    for (const cel of ["true", "resource.tags", "resource.tags.x", 'dyn("a")', "has(resource.amount) && resource.amount > 1.0"]) {
      expect(problemsOf(cel), cel).toEqual([]);
    }
  });
});

describe("one mistake, one problem", () => {
  // Each case: the condition and the text of every problem it yields. A name misspelt twice
  // is two mistakes; nothing is ever reported about the operators above a mistake.
  const cases: [string, string[]][] = [
    ['size(resource.stauts) + 1 == "x"', ["stauts"]],
    ["!(resource.zz + 1 > 2) && true", ["zz"]],
    ["input.tags.exists(t, t.nope)", ["nope"]],
    ["zz.exists(t, t.foo > 1)", ["zz"]],
    ["zz.map(t, t + 1).size() > 0", ["zz"]],
    ["(zz ? 1 : 2) + 1.0 > [1]", ["zz"]],
    ["int(zz) == 1.0", ["zz"]],
    ['zz.contains("a") || zz in [1]', ["zz", "zz"]],
    ["zz[0][1].x.y() == -zz", ["zz", "zz"]],
    ["has(zz.a) && zz", ["zz", "zz"]],
    ["[zz, 1, 2][0] > 1.0", ["zz"]],
    ['{zz: 1}["a"] == "b"', ["zz"]],
    ["foo(1) + 1 == 1.0", ["foo"]],
    ["resource.status == null && resource.status.zz(1, 2) > 1", ["null", "zz"]],
    ["Msg{a: 1} == 2 && Msg{a: 1}.a", ["Msg{a: 1}", "Msg{a: 1}"]],
    ["resource.zz", ["zz"]],
  ];
  it.each(cases)("%s", (cel, texts) => {
    expect(problemsOf(cel).map((p) => p.text)).toEqual(texts);
  });

  it("reports nothing about the parents of a `Missing` node", () => {
    const missing: CelExpr = { kind: "Missing", span: { start: 5, end: 5 } };
    const expr: CelExpr = { kind: "CelBinary", span: { start: 0, end: 10 }, op: "+", left: missing, right: { kind: "CelLiteral", span: { start: 7, end: 10 }, type: "string", raw: '"a"' } };
    expect(checkCondition(expr, ENV).problems).toEqual([]);
  });
});

describe("the side table", () => {
  it("types every sub-expression and leaves the tree untouched", () => {
    const { expr } = parseCondition('input.amount > 100.0 && !context.approvals.exists(a, a.group == "finance") && resource.status in ["open"]');
    const before = JSON.stringify(expr);
    const result = checkCondition(expr, ENV);
    expect(result.problems).toEqual([]);
    expect(JSON.stringify(expr)).toBe(before);
    const all: CelExpr[] = [];
    const visit = (e: CelExpr): void => {
      all.push(e);
      for (const value of Object.values(e)) {
        if (Array.isArray(value)) for (const v of value) if (v && typeof v === "object" && "kind" in v) visit(v as CelExpr);
        if (value && typeof value === "object" && "kind" in value) visit(value as CelExpr);
      }
    };
    visit(expr);
    for (const node of all) expect(result.types.has(node), JSON.stringify(node)).toBe(true);
    expect(result.types.get(expr)).toEqual(T.bool);
  });
});

// ---- property: the checker never throws, and every span it reports lies inside the expression ----

const S = { start: 0, end: 0 };
const LITERALS: CelExpr[] = (
  [
    ["int", "1"], ["int", "-0x10"], ["int", "99999999999999999999"], ["uint", "5u"], ["double", "2.5"], ["double", "-1e3"], ["string", '"s"'],
    ["string", '"(a+"'], ["string", '"\\d"'], ["bytes", 'b"a"'], ["bool", "true"], ["null", "null"],
  ] as const
).map(([type, raw]): CelExpr => ({ kind: "CelLiteral", span: S, type, raw }));
const NAMES = ["principal", "input", "resource", "tenant", "context", "t", "x", "zz", "size"];
const FIELDS = ["id", "roles", "amount", "tags", "status", "priority", "group", "time", "approvals", "limits", "zz", "size"];
const FNS = ["size", "contains", "matches", "int", "string", "timestamp", "getHours", "has", "all", "exists", "exists_one", "map", "filter", "foo"];
const OPS = ["||", "&&", "==", "!=", "<", "<=", ">", ">=", "in", "+", "-", "*", "/", "%"] as const;

const { expr: celArbitrary } = fc.letrec<{ expr: CelExpr }>((tie) => ({
  expr: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    fc.constantFrom(...LITERALS),
    fc.record({ name: fc.constantFrom(...NAMES), absolute: fc.boolean() }).map((r): CelExpr => ({ kind: "CelIdent", span: S, ...r })),
    fc.constant<CelExpr>({ kind: "Missing", span: S }),
    fc.record({ operand: tie("expr"), field: fc.constantFrom(...FIELDS) }).map((r): CelExpr => ({ kind: "CelSelect", span: S, fieldSpan: S, ...r })),
    fc
      .record({ target: fc.option(tie("expr"), { nil: undefined }), fn: fc.constantFrom(...FNS), args: fc.array(tie("expr"), { maxLength: 3 }), bind: fc.boolean() })
      .map(({ bind, ...r }): CelExpr => ({
        kind: "CelCall",
        span: S,
        fnSpan: S,
        ...r,
        // Often bind a comprehension variable, so macro bodies are reached.
        args: bind && r.args.length > 0 ? [{ kind: "CelIdent", span: S, name: "t", absolute: false }, ...r.args.slice(1)] : r.args,
      })),
    fc.record({ operand: tie("expr"), index: tie("expr") }).map((r): CelExpr => ({ kind: "CelIndex", span: S, ...r })),
    fc.record({ op: fc.constantFrom("!" as const, "-" as const), operand: tie("expr") }).map((r): CelExpr => ({ kind: "CelUnary", span: S, ...r })),
    fc.record({ op: fc.constantFrom(...OPS), left: tie("expr"), right: tie("expr") }).map((r): CelExpr => ({ kind: "CelBinary", span: S, ...r })),
    // biome-ignore lint/suspicious/noThenProperty: `then` is the CEL AST's field name, not a thenable
    fc.record({ condition: tie("expr"), then: tie("expr"), otherwise: tie("expr") }).map((r): CelExpr => ({ kind: "CelConditional", span: S, ...r })),
    fc.array(tie("expr"), { maxLength: 3 }).map((elements): CelExpr => ({ kind: "CelList", span: S, elements })),
    fc.array(fc.record({ key: tie("expr"), value: tie("expr") }), { maxLength: 2 }).map((entries): CelExpr => ({ kind: "CelMap", span: S, entries: entries.map((e) => ({ span: S, ...e })) })),
    fc.array(fc.record({ name: fc.constantFrom("a", "b"), value: tie("expr") }), { maxLength: 2 }).map((fields): CelExpr => ({ kind: "CelStruct", span: S, typeName: "Msg", fields: fields.map((f) => ({ span: S, ...f })) })),
  ),
}));

/** Gives every node a span that encloses its children's, as a parser would. */
function place(value: unknown, next: { n: number }): unknown {
  if (Array.isArray(value)) return value.map((v) => place(v, next));
  if (value === null || typeof value !== "object") return value;
  const start = next.n++;
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value)) if (key !== "span" && key !== "fnSpan" && key !== "fieldSpan") out[key] = place(v, next);
  const end = next.n++;
  out["span"] = { start, end };
  if ("fnSpan" in value) out["fnSpan"] = { start, end: start + 1 };
  if ("fieldSpan" in value) out["fieldSpan"] = { start: end - 1, end };
  return out;
}

const PROPERTY_ENV = { variables: new Map<string, CelType>([...ENV.variables, ["t", T.list(T.dyn)]]) };

/** The checks never throw, and every span they report lies inside the expression. */
function expectWellBehaved(shape: CelExpr): void {
  const expr = place(shape, { n: 10 }) as CelExpr;
  const within = (span: { start: number; end: number }): boolean => span.start >= expr.span.start && span.end <= expr.span.end && span.start <= span.end;
  for (const env of [ENV, PROPERTY_ENV]) {
    const result = checkCondition(expr, env);
    expect(result.types.get(expr)).toBe(result.type);
    for (const p of result.problems) expect(within(p.span), JSON.stringify(p)).toBe(true);
    for (const p of checkSafety(expr, result.types)) expect(within(p.span), JSON.stringify(p)).toBe(true);
  }
}

describe("laws", () => {
  it("checkCel never throws and every problem lies inside the expression (names from the environment)", () => {
    fc.assert(fc.property(celArbitrary, expectWellBehaved), { numRuns: 2000 });
  });

  it("the same for the parser's CEL arbitrary (every node kind, arbitrary names)", () => {
    fc.assert(fc.property(parserCel, expectWellBehaved), { numRuns: 1000 });
  });
});
