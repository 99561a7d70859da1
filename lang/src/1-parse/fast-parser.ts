/**
 * The fast path of `parse`: a hand-written recursive-descent parser for files without
 * errors, giving exactly the tree `paybill-parser.ts` gives (same nodes, fields in the same
 * order, same spans). Chevrotain's per-rule bookkeeping made parsing most of a large
 * check, and building its parser (a grammar analysis) a large part of a cold start; a
 * clean project now never builds it.
 *
 * Anything the Chevrotain parser would report — a syntax error, a reserved word used as a
 * name (PB1007), a misplaced `package` or `import` (PB1008), an invalid escape (PB0005), an
 * expression past MAX_EXPRESSION_DEPTH (PB1006) — makes this parser decline (`undefined`),
 * and `parse` runs the Chevrotain parser on the file instead, so every diagnostic and all
 * error recovery stay exactly as they were. Each production below names its Chevrotain
 * counterpart; each decision reads the tokens Chevrotain's lookahead for that decision
 * reads (`fast-classes.ts`). `fast-parser.test.ts` holds the two to the same trees.
 */
import type { IToken } from "./chevrotain.js";
import type { CelExpr } from "../ast/cel.js";
import type * as A from "../ast/nodes.js";
import {
  DATA_OP,
  DECLARATION_START,
  ENTRY_START,
  idx,
  NAME,
  NOT_A_VALUE_END,
  RESERVED,
  RULE_START,
  STATE_START,
  TEST_START,
  TEST_STATEMENT,
  VALUE_START,
} from "./fast-classes.js";
import { DECLINE, FastCelParser } from "./fast-cel.js";
import { nextDecl } from "./next-decl.js";
import * as T from "./tokens.js";

/** What `PaybillParser.file` yields; `parse` builds the file node around it. */
export interface FastParseResult {
  readonly package: A.PackageDecl | undefined;
  readonly imports: A.ImportDecl[];
  readonly declarations: A.Declaration[];
}

/** The tree of an error-free token stream, or undefined to leave the file to Chevrotain. */
export function fastParse(text: string, tokens: readonly IToken[]): FastParseResult | undefined {
  try {
    return new FastPaybillParser(text, tokens).file();
  } catch {
    // DECLINE, or a stack overflow (Chevrotain reports that as PB1005 in its own way). Any
    // other exception would be a bug here; the file still gets Chevrotain's parse, since
    // `parse` must not throw (the tests fail on any clean file declined).
    return undefined;
  }
}

const I = {
  identifier: idx(T.Identifier),
  string: idx(T.StringLiteral),
  int: idx(T.IntLiteral),
  double: idx(T.DoubleLiteral),
  duration: idx(T.Duration),
  true: idx(T.True),
  false: idx(T.False),
  lcurly: idx(T.LCurly),
  rcurly: idx(T.RCurly),
  lparen: idx(T.LParen),
  rparen: idx(T.RParen),
  lbracket: idx(T.LBracket),
  rbracket: idx(T.RBracket),
  comma: idx(T.Comma),
  colon: idx(T.Colon),
  dot: idx(T.Dot),
  atSign: idx(T.AtSign),
  question: idx(T.Question),
  equals: idx(T.Equals),
  minus: idx(T.Minus),
  package: idx(T.Package),
  import: idx(T.Import),
  as: idx(T.As),
  in: idx(T.In),
  provider: idx(T.Provider),
  isolation: idx(T.Isolation),
  cloud: idx(T.Cloud),
  plan: idx(T.Plan),
  tenant: idx(T.Tenant),
  agent: idx(T.Agent),
  group: idx(T.Group),
  require: idx(T.Require),
  timeout: idx(T.Timeout),
  for: idx(T.For),
  entity: idx(T.Entity),
  action: idx(T.Action),
  policy: idx(T.Policy),
  workflow: idx(T.Workflow),
  test: idx(T.Test),
  const: idx(T.Const),
  per: idx(T.Per),
  on: idx(T.On),
  input: idx(T.Input),
  effect: idx(T.Effect),
  requires: idx(T.Requires),
  feature: idx(T.Feature),
  set: idx(T.SetKw),
  read: idx(T.Read),
  insert: idx(T.Insert),
  update: idx(T.Update),
  delete: idx(T.Delete),
  permit: idx(T.Permit),
  forbid: idx(T.Forbid),
  to: idx(T.To),
  when: idx(T.When),
  any: idx(T.Any),
  role: idx(T.Role),
  start: idx(T.Start),
  state: idx(T.State),
  allow: idx(T.Allow),
  next: idx(T.Next),
  await: idx(T.Await),
  approval: idx(T.Approval),
  from: idx(T.From),
  final: idx(T.Final),
  given: idx(T.Given),
  do: idx(T.Do),
  at: idx(T.At),
  expect: idx(T.Expect),
  deny: idx(T.Deny),
  pending: idx(T.Pending),
  by: idx(T.By),
  context: idx(T.ContextKw),
  untrusted: idx(T.Untrusted),
  host: idx(T.Host),
  many: idx(T.Many),
  where: idx(T.Where),
  limit: idx(T.Limit),
};

class FastPaybillParser extends FastCelParser {
  /** `file`: every top-level item in one loop; out-of-place `package`/`import` is PB1008. */
  file(): FastParseResult {
    let pkg: A.PackageDecl | undefined;
    const imports: A.ImportDecl[] = [];
    const declarations: A.Declaration[] = [];
    for (;;) {
      const t = this.la(1);
      if (t === I.package) {
        const found = this.packageDecl();
        if (pkg !== undefined || imports.length > 0 || declarations.length > 0) throw DECLINE;
        pkg = found;
      } else if (t === I.import) {
        const found = this.importDecl();
        if (declarations.length > 0) throw DECLINE;
        imports.push(found);
      } else if (this.is(1, DECLARATION_START)) {
        declarations.push(this.declaration());
      } else {
        break;
      }
    }
    // Chevrotain reports input left over after the top rule.
    if (this.pos !== this.tokens.length) throw DECLINE;
    return { package: pkg, imports, declarations };
  }

  private packageDecl(): A.PackageDecl {
    const start = this.next();
    const name = this.qualifiedName();
    return { kind: "Package", span: this.spanFrom(start), name };
  }

  private importDecl(): A.ImportDecl {
    const start = this.next();
    const path = this.qualifiedName();
    let members: A.Ident[] | undefined;
    let alias: A.Ident | undefined;
    const t = this.la(1);
    if (t === I.dot) {
      this.pos++;
      this.expect(I.lcurly);
      members = [];
      while (this.is(1, NAME)) {
        members.push(this.ident(this.next()));
        if (this.la(1) === I.comma) this.pos++;
      }
      this.expect(I.rcurly);
    } else if (t === I.as) {
      this.pos++;
      alias = this.ident(this.expectName());
    }
    return { kind: "Import", span: this.spanFrom(start), path, members, alias };
  }

  private declaration(): A.Declaration {
    switch (this.la(1)) {
      case I.provider: return { kind: "Provider", ...this.namedBody() };
      case I.isolation: return { kind: "Isolation", ...this.namedBody() };
      case I.cloud: return this.cloudDecl();
      case I.plan: return { kind: "Plan", ...this.namedBody() };
      case I.tenant: return { kind: "Tenant", ...this.namedBody() };
      case I.agent: return { kind: "Agent", ...this.namedBody() };
      case I.group: return { kind: "Group", ...this.namedBody() };
      case I.entity: return this.entityDecl();
      case I.action: return this.actionDecl();
      case I.policy: return this.policyDecl();
      case I.workflow: return this.workflowDecl();
      case I.const: return this.constDecl();
      default: return this.testDecl();
    }
  }

  // ---- names and values ----

  private ident(token: IToken): A.Ident {
    return { kind: "Ident", span: this.tokenSpan(token), name: token.image };
  }

  private qualifiedName(): A.QualifiedName {
    const start = this.tokens[this.pos] as IToken;
    const parts = [this.ident(this.expectName())];
    while (this.la(1) === I.dot && this.is(2, NAME)) {
      this.pos++;
      parts.push(this.ident(this.next()));
    }
    return { kind: "QualifiedName", span: this.spanFrom(start), parts };
  }

  /** `name`: a reserved word here is PB1007, Chevrotain's to report. */
  private name(): A.Ident {
    return this.ident(this.expectName());
  }

  private value(): A.Value {
    const t = this.la(1);
    if (t === I.string) return this.stringValue(this.next());
    if (t === I.true) return { kind: "Bool", span: this.tokenSpan(this.next()), value: true };
    if (t === I.false) return { kind: "Bool", span: this.tokenSpan(this.next()), value: false };
    if (t === I.duration) {
      const token = this.next();
      return { kind: "Duration", span: this.tokenSpan(token), raw: token.image };
    }
    if (t === I.minus || t === I.int || t === I.double) return this.quantity();
    if (t === I.lbracket) {
      const start = this.next();
      const items: A.Value[] = [];
      while (this.is(1, VALUE_START)) {
        items.push(this.value());
        if (this.la(1) === I.comma) this.pos++;
      }
      this.expect(I.rbracket);
      return { kind: "List", span: this.spanFrom(start), items };
    }
    if (this.is(1, NAME)) return this.reference();
    throw DECLINE;
  }

  private stringValue(token: IToken): A.StringValue {
    return { kind: "String", span: this.tokenSpan(token), raw: token.image, value: this.decoded(token) };
  }

  private quantity(): A.NumberValue | A.QuantityValue {
    const start = this.tokens[this.pos] as IToken;
    const signed = this.la(1) === I.minus;
    if (signed) this.pos++;
    const t = this.la(1);
    if (t !== I.int && t !== I.double) throw DECLINE;
    const number = this.next();
    const span = this.spanFrom(start);
    // The spelling between the sign and the digits may hold spaces (even comments).
    const raw = signed ? this.text.slice(span.start, span.end).replace(/\s+/g, "") : number.image;
    const amount: A.NumberValue = { kind: "Number", span, raw };
    let unit: A.Ident | undefined;
    let per: A.Ident | undefined;
    if (this.la(1) === I.identifier && !this.is(2, NOT_A_VALUE_END)) unit = this.ident(this.next());
    if (this.la(1) === I.per && this.is(2, NAME) && !this.is(3, NOT_A_VALUE_END)) {
      this.pos++;
      per = this.ident(this.next());
    }
    if (unit === undefined && per === undefined) return amount;
    return { kind: "Quantity", span: this.spanFrom(start), amount, unit, per };
  }

  private reference(): A.RefValue {
    const start = this.tokens[this.pos] as IToken;
    const name = this.qualifiedName();
    let args: A.Arg[] | undefined;
    let optional = false;
    let on: A.QualifiedName | undefined;
    if (this.la(1) === I.lparen) args = this.args();
    if (this.la(1) === I.question) {
      this.pos++;
      optional = true;
    }
    if (this.la(1) === I.on && this.is(2, NAME) && !this.is(3, NOT_A_VALUE_END)) {
      this.pos++;
      on = this.qualifiedName();
    }
    return { kind: "Ref", span: this.spanFrom(start), name, args, optional, on };
  }

  private typeRef(): A.RefValue {
    const start = this.tokens[this.pos] as IToken;
    const name = this.qualifiedName();
    let args: A.Arg[] | undefined;
    let optional = false;
    if (this.la(1) === I.lparen) args = this.args();
    if (this.la(1) === I.question) {
      this.pos++;
      optional = true;
    }
    return { kind: "Ref", span: this.spanFrom(start), name, args, optional, on: undefined };
  }

  private args(): A.Arg[] {
    const list: A.Arg[] = [];
    this.expect(I.lparen);
    while (this.is(1, VALUE_START)) {
      const start = this.tokens[this.pos] as IToken;
      let name: A.Ident | undefined;
      if (this.la(2) === I.colon && this.is(1, NAME)) {
        name = this.ident(this.next());
        this.pos++;
      }
      const value = this.value();
      list.push({ kind: "Arg", span: this.spanFrom(start), name, value });
      if (this.la(1) === I.comma) this.pos++;
    }
    this.expect(I.rparen);
    return list;
  }

  private annotation(): A.Annotation {
    const start = this.next();
    const name = this.ident(this.expectName());
    const args = this.la(1) === I.lparen ? this.args() : undefined;
    return { kind: "Annotation", span: this.spanFrom(start), name, args };
  }

  private condition(): CelExpr {
    return this.bounded(this.celExpr());
  }

  // ---- generic bodies ----

  /** `braced(entry)` of `body`: entries start with a name or a string. */
  private body(): A.Entry[] {
    const entries: A.Entry[] = [];
    this.expect(I.lcurly);
    while (this.startsEntry()) {
      entries.push(this.entry());
      if (this.la(1) === I.comma) this.pos++;
    }
    this.expect(I.rcurly);
    return entries;
  }

  private startsEntry(): boolean {
    return this.is(1, NAME) || this.la(1) === I.string;
  }

  /** `key = …` (`StringLiteral | Identifier Equals`). */
  private startsAttribute(): boolean {
    return this.la(1) === I.string || (this.la(2) === I.equals && this.is(1, NAME));
  }

  private entry(): A.Entry {
    if (this.startsAttribute()) return this.attribute();
    if (this.la(2) === I.lcurly && this.is(1, NAME)) return this.block();
    throw DECLINE;
  }

  private attribute(): A.Attribute {
    const start = this.tokens[this.pos] as IToken;
    const key = this.la(1) === I.string ? this.stringValue(this.next()) : this.ident(this.expectName());
    this.expect(I.equals);
    const value = this.value();
    return { kind: "Attribute", span: this.spanFrom(start), key, value };
  }

  private block(): A.Block {
    const start = this.tokens[this.pos] as IToken;
    const name = this.ident(this.expectName());
    const entries = this.body();
    return { kind: "Block", span: this.spanFrom(start), name, entries };
  }

  // ---- declarations ----

  /** `keyword name { entries }` (`PaybillParser.namedBody`). */
  private namedBody(): { span: A.Block["span"]; name: A.Ident; body: A.Entry[] } {
    const start = this.next();
    const name = this.name();
    const body = this.body();
    return { span: this.spanFrom(start), name, body };
  }

  private cloudDecl(): A.CloudDecl {
    const start = this.next();
    const provider = this.name();
    let name: A.Ident | undefined;
    if (this.is(1, NAME | RESERVED)) name = this.name();
    const body = this.body();
    return { kind: "Cloud", span: this.spanFrom(start), provider, name, body };
  }

  private constDecl(): A.ConstDecl {
    const start = this.next();
    const name = this.name();
    this.expect(I.equals);
    const value = this.condition();
    return { kind: "Const", span: this.spanFrom(start), name, value };
  }

  private entityDecl(): A.EntityDecl {
    const start = this.next();
    const name = this.name();
    const annotations: A.Annotation[] = [];
    while (this.la(1) === I.atSign) annotations.push(this.annotation());
    const fields = this.fieldList();
    return { kind: "Entity", span: this.spanFrom(start), name, annotations, fields };
  }

  private fieldList(): A.Field[] {
    const fields: A.Field[] = [];
    this.expect(I.lcurly);
    while (this.is(1, NAME | RESERVED)) {
      fields.push(this.field());
      if (this.la(1) === I.comma) this.pos++;
    }
    this.expect(I.rcurly);
    return fields;
  }

  private field(): A.Field {
    const start = this.tokens[this.pos] as IToken;
    const name = this.name();
    if (this.la(1) === I.colon) this.pos++;
    const type = this.typeRef();
    const annotations: A.Annotation[] = [];
    while (this.la(1) === I.atSign) annotations.push(this.annotation());
    return { kind: "Field", span: this.spanFrom(start), name, type, annotations };
  }

  private actionDecl(): A.ActionDecl {
    const start = this.next();
    const name = this.name();
    const body: A.ActionEntry[] = [];
    this.expect(I.lcurly);
    while (this.startsEntry()) {
      body.push(this.actionEntry());
      if (this.la(1) === I.comma) this.pos++;
    }
    this.expect(I.rcurly);
    return { kind: "Action", span: this.spanFrom(start), name, body };
  }

  /** The alternatives of `PaybillParser.actionEntryAlts`, in order, with their 3-token paths. */
  private actionEntry(): A.ActionEntry {
    const t1 = this.la(1);
    const t2 = this.la(2);
    const t3 = this.la(3);
    if (t1 === I.input && t2 === I.lcurly && (this.is(3, NAME | RESERVED) || t3 === I.rcurly)) {
      const start = this.next();
      const fields = this.fieldList();
      return { kind: "Input", span: this.spanFrom(start), fields };
    }
    if (t1 === I.effect && t2 === I.host) {
      const start = this.next();
      this.pos++;
      return { kind: "HostEffect", span: this.spanFrom(start) };
    }
    if (t1 === I.effect && this.is(2, DATA_OP)) return this.effect();
    if (t1 === I.requires && t2 === I.feature) {
      const start = this.next();
      this.pos++;
      const feature = this.ident(this.expectName());
      return { kind: "RequiresFeature", span: this.spanFrom(start), feature };
    }
    if (this.startsAttribute()) return this.attribute();
    if (t2 === I.lcurly && this.is(1, NAME) && (this.is(3, NAME) || t3 === I.string || t3 === I.rcurly)) return this.block();
    throw DECLINE;
  }

  private dataOp(): A.DataOp {
    const t = this.la(1);
    const op = t === I.read ? "read" : t === I.insert ? "insert" : t === I.update ? "update" : t === I.delete ? "delete" : undefined;
    if (op === undefined) throw DECLINE;
    this.pos++;
    return op;
  }

  private effect(): A.EffectDecl {
    const start = this.next();
    const op = this.dataOp();
    const t2 = this.la(2);
    const many = this.la(1) === I.many && t2 !== I.lparen && t2 !== I.dot && t2 !== I.rcurly;
    if (many) this.pos++;
    const entity = this.qualifiedName();
    let key: CelExpr | undefined;
    let assignments: A.Assignment[] | undefined;
    let where: CelExpr | undefined;
    let limit: A.NumberValue | undefined;
    if (this.la(1) === I.lparen) {
      this.pos++;
      key = this.condition();
      this.expect(I.rparen);
    }
    if (this.la(1) === I.set) {
      this.pos++;
      this.expect(I.lcurly);
      const list: A.Assignment[] = [];
      while (this.is(1, NAME)) {
        const field = this.ident(this.next());
        this.expect(I.equals);
        const value = this.condition();
        list.push({ kind: "Assignment", span: { start: field.span.start, end: value.span.end }, field, value });
        if (this.la(1) === I.comma) this.pos++;
      }
      this.expect(I.rcurly);
      assignments = list;
    }
    if (many && this.la(1) === I.where && this.la(2) !== I.equals && this.la(2) !== I.lcurly) {
      this.pos++;
      where = this.condition();
    }
    if (many && this.la(1) === I.limit && this.la(2) === I.int) {
      this.pos++;
      const token = this.next();
      limit = { kind: "Number", span: this.tokenSpan(token), raw: token.image };
    }
    return { kind: "Effect", span: this.spanFrom(start), op, entity, key, assignments, ...(many ? { many: true as const } : {}), ...(where === undefined ? {} : { where }), ...(limit === undefined ? {} : { limit }) };
  }

  private policyDecl(): A.PolicyDecl {
    const start = this.next();
    const name = this.name();
    const body: (A.Attribute | A.Rule)[] = [];
    this.expect(I.lcurly);
    while (this.startsEntry()) {
      if (this.la(1) === I.require && this.la(2) === I.approval) body.push(this.requireRule());
      else if (this.is(1, RULE_START) && this.is(2, NAME)) body.push(this.rule());
      else if (this.startsAttribute()) body.push(this.attribute());
      else throw DECLINE;
      if (this.la(1) === I.comma) this.pos++;
    }
    this.expect(I.rcurly);
    return { kind: "Policy", span: this.spanFrom(start), name, body };
  }

  private rule(): A.Rule {
    const start = this.next();
    const effect = start.tokenTypeIdx === I.permit ? "permit" : "forbid";
    const principals = this.principalList();
    const { actions, condition } = this.ruleTail();
    return { kind: "Rule", span: this.spanFrom(start), effect, principals, actions, condition };
  }

  /** A comma list of principals (a rule's, or a require rule's after `for`). */
  private principalList(): A.PrincipalSelector[] {
    const principals = [this.principalSelector()];
    while (this.la(1) === I.comma && !this.is(3, NOT_A_VALUE_END)) {
      this.pos++;
      principals.push(this.principalSelector());
    }
    return principals;
  }

  /** `to` A, … [`when` <CEL>]: what every kind of rule ends with. */
  private ruleTail(): { actions: A.ActionSelector[]; condition: CelExpr | undefined } {
    this.expect(I.to);
    const actions = this.actionSelectors(RULE_START);
    let condition: CelExpr | undefined;
    if (this.la(1) === I.when) {
      this.pos++;
      condition = this.condition();
    }
    return { actions, condition };
  }

  /** `require approval from G [for P, …] to A, … [when <CEL>] [timeout D]`. */
  private requireRule(): A.Rule {
    const start = this.next();
    const approvalStart = this.next();
    this.expect(I.from);
    const group = this.ident(this.expectName());
    const approvalSpan = this.spanFrom(approvalStart);
    let principals: A.PrincipalSelector[] = [];
    if (this.la(1) === I.for) {
      this.pos++;
      principals = this.principalList();
    }
    const { actions, condition } = this.ruleTail();
    let timeout: A.DurationValue | undefined;
    if (this.la(1) === I.timeout && this.la(2) === I.duration) {
      this.pos++;
      const token = this.expect(I.duration);
      timeout = { kind: "Duration", span: this.tokenSpan(token), raw: token.image };
    }
    const approval: A.RuleApproval = { kind: "RuleApproval", span: approvalSpan, group, timeout };
    return { kind: "Rule", span: this.spanFrom(start), effect: "require", principals, actions, condition, approval };
  }

  private principalSelector(): A.PrincipalSelector {
    const t1 = this.la(1);
    const t2 = this.la(2);
    if (t1 === I.any && t2 === I.agent) {
      const start = this.next();
      this.pos++;
      return { kind: "AnyAgent", span: this.spanFrom(start) };
    }
    if (t1 === I.role && t2 !== I.to && this.is(2, NAME)) {
      const start = this.next();
      const role = this.ident(this.next());
      return { kind: "RoleSelector", span: this.spanFrom(start), role };
    }
    const agent = this.ident(this.expectName());
    return { kind: "AgentSelector", span: agent.span, agent };
  }

  /** A comma list of action selectors; `stops` are the classes that end it (`listContinues`). */
  private actionSelectors(stops: number): A.ActionSelector[] {
    const list = [this.actionSelector()];
    while (this.la(1) === I.comma && !this.is(2, stops) && !this.is(3, NOT_A_VALUE_END)) {
      this.pos++;
      list.push(this.actionSelector());
    }
    return list;
  }

  private actionSelector(): A.ActionSelector {
    const t1 = this.la(1);
    if (t1 === I.any && this.la(2) === I.action) {
      const start = this.next();
      this.pos++;
      return { kind: "AnyAction", span: this.spanFrom(start) };
    }
    // `read X` is data access unless `X` starts the next entry.
    if (this.is(1, DATA_OP) && this.is(2, NAME) && !this.is(2, ENTRY_START) && !this.is(3, NOT_A_VALUE_END)) {
      const start = this.tokens[this.pos] as IToken;
      const op = this.dataOp();
      const target = this.qualifiedName();
      return { kind: "DataAccess", span: this.spanFrom(start), op, target };
    }
    const action = this.ident(this.expectName());
    return { kind: "ActionRef", span: action.span, action };
  }

  private workflowDecl(): A.WorkflowDecl {
    const start = this.next();
    const name = this.name();
    const body: A.WorkflowEntry[] = [];
    this.expect(I.lcurly);
    while (this.startsEntry()) {
      body.push(this.workflowEntry());
      if (this.la(1) === I.comma) this.pos++;
    }
    this.expect(I.rcurly);
    return { kind: "Workflow", span: this.spanFrom(start), name, body };
  }

  private workflowEntry(): A.WorkflowEntry {
    const t1 = this.la(1);
    if (t1 === I.start && this.is(2, NAME)) {
      const start = this.next();
      const state = this.ident(this.next());
      return { kind: "Start", span: this.spanFrom(start), state };
    }
    if (t1 === I.state && this.is(2, NAME)) {
      const start = this.next();
      const name = this.name();
      const body: A.StateEntry[] = [];
      this.expect(I.lcurly);
      while (this.startsEntry()) {
        body.push(this.stateEntry());
        if (this.la(1) === I.comma) this.pos++;
      }
      this.expect(I.rcurly);
      return { kind: "State", span: this.spanFrom(start), name, body };
    }
    if (t1 === I.context && this.la(2) === I.lcurly && (this.is(3, NAME | RESERVED) || this.la(3) === I.rcurly)) {
      const start = this.next();
      const fields = this.fieldList();
      return { kind: "Context", span: this.spanFrom(start), fields };
    }
    if (this.startsAttribute()) return this.attribute();
    if (this.la(2) === I.lcurly && this.is(1, NAME)) return this.block();
    throw DECLINE;
  }

  private stateEntry(): A.StateEntry {
    const t1 = this.la(1);
    const t2 = this.la(2);
    if (t1 === I.allow && this.is(2, NAME)) {
      const start = this.next();
      const actions = this.actionSelectors(STATE_START);
      return { kind: "Allow", span: this.spanFrom(start), actions };
    }
    if (t1 === I.next && this.is(2, NAME)) {
      const start = this.next();
      const edges = [this.nextEdge()];
      while (this.la(1) === I.comma && !this.is(2, STATE_START) && !this.is(3, NOT_A_VALUE_END)) {
        this.pos++;
        edges.push(this.nextEdge());
      }
      return nextDecl(this.spanFrom(start), edges);
    }
    if (t1 === I.await && t2 === I.approval) {
      const start = this.next();
      this.pos++;
      this.expect(I.from);
      const group = this.stringValue(this.expect(I.string));
      return { kind: "AwaitApproval", span: this.spanFrom(start), group };
    }
    if (t1 === I.final && t2 !== I.equals) {
      const start = this.next();
      return { kind: "Final", span: this.spanFrom(start) };
    }
    if (this.startsAttribute()) return this.attribute();
    throw DECLINE;
  }

  /** A target of `next`, with `by <mover>` and `when <guard>` if given. */
  private nextEdge(): A.NextEdge {
    const first = this.expectName();
    const state = this.ident(first);
    let by: A.Ident | undefined;
    let when: CelExpr | undefined;
    if (this.la(1) === I.by && this.is(2, NAME)) {
      this.pos++;
      by = this.ident(this.next());
    }
    if (this.la(1) === I.when && this.la(2) !== I.equals) {
      this.pos++;
      when = this.condition();
    }
    return { kind: "NextEdge", span: this.spanFrom(first), state, by, when };
  }

  private testDecl(): A.TestDecl {
    const start = this.next();
    const name = this.stringValue(this.expect(I.string));
    const body: A.TestStatement[] = [];
    this.expect(I.lcurly);
    while (this.is(1, TEST_STATEMENT)) {
      body.push(this.testStatement());
      if (this.la(1) === I.comma) this.pos++;
    }
    this.expect(I.rcurly);
    return { kind: "Test", span: this.spanFrom(start), name, body };
  }

  private testStatement(): A.TestStatement {
    const t1 = this.la(1);
    if (t1 === I.as) {
      const start = this.next();
      const agent = this.ident(this.expectName());
      let workflow: A.Ident | undefined;
      let state: A.Ident | undefined;
      if (this.la(1) === I.in) {
        this.pos++;
        workflow = this.ident(this.expectName());
        if (this.la(1) === I.at) {
          this.pos++;
          state = this.ident(this.expectName());
        }
      }
      return { kind: "As", span: this.spanFrom(start), agent, workflow, state };
    }
    if (t1 === I.tenant) {
      const start = this.next();
      const tenant = this.ident(this.expectName());
      return { kind: "TenantIs", span: this.spanFrom(start), tenant };
    }
    if (t1 === I.given) {
      if (this.la(2) === I.approval && this.la(3) === I.from) {
        const start = this.next();
        this.pos += 2;
        const group = this.stringValue(this.expect(I.string));
        return { kind: "GivenApproval", span: this.spanFrom(start), group };
      }
      // As Chevrotain: `given context {…}` is the run's context, `given untrusted "…"` a value seen; followed by `.` (or, for `untrusted`, `{`) a row.
      if (this.la(2) === I.context && this.la(3) !== I.dot) {
        const start = this.next();
        this.pos++;
        const record = this.record();
        return { kind: "GivenContext", span: this.spanFrom(start), record };
      }
      if (this.la(2) === I.untrusted && this.la(3) !== I.lcurly && this.la(3) !== I.dot) {
        const start = this.next();
        this.pos++;
        const value = this.stringValue(this.expect(I.string));
        return { kind: "GivenUntrusted", span: this.spanFrom(start), value };
      }
      const t3 = this.la(3);
      if (!this.is(2, NAME) || (t3 !== I.dot && t3 !== I.lcurly)) throw DECLINE;
      const start = this.next();
      const entity = this.qualifiedName();
      const record = this.record();
      return { kind: "GivenRecord", span: this.spanFrom(start), entity, record };
    }
    if (t1 === I.do) {
      const start = this.next();
      const action = this.ident(this.expectName());
      const input = this.record();
      return { kind: "Do", span: this.spanFrom(start), action, input };
    }
    const start = this.next(); // `expect`: the loop admits only test statements
    const t = this.la(1);
    const decision = t === I.allow ? "allow" : t === I.deny ? "deny" : t === I.pending ? "pending" : undefined;
    if (decision === undefined) throw DECLINE;
    this.pos++;
    const by: A.Ident[] = [];
    if (this.la(1) === I.by) {
      this.pos++;
      by.push(this.ident(this.expectName()));
      while (this.la(1) === I.comma && !this.is(2, TEST_START) && !this.is(3, NOT_A_VALUE_END)) {
        this.pos++;
        by.push(this.ident(this.expectName()));
      }
    }
    return { kind: "Expect", span: this.spanFrom(start), decision, by };
  }

  private record(): A.RecordLiteral {
    const start = this.expect(I.lcurly);
    const fields: A.RecordField[] = [];
    while (this.is(1, NAME)) {
      const name = this.ident(this.next());
      this.expect(I.colon);
      const value = this.condition();
      fields.push({ kind: "RecordField", span: { start: name.span.start, end: value.span.end }, name, value });
      if (this.la(1) === I.comma) this.pos++;
    }
    this.expect(I.rcurly);
    return { kind: "Record", span: this.spanFrom(start), fields };
  }
}

