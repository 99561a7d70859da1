/**
 * The Paybill grammar: declarations, bodies and values, with CEL inherited from
 * `CelParser`. Embedded actions build the AST directly; spans come from tokens.
 *
 * Error recovery is Chevrotain's (single-token insertion and deletion, re-sync to a follow
 * set, in-repetition recovery); every rule that yields a value yields `Missing` when it had
 * to give up, so a broken file still has a tree. This file must not report diagnostics
 * itself: it records what it saw, `parse.ts` turns that into diagnostics.
 */
import { EOF, type IOrAlt, type IToken, type OrMethodOpts, type TokenType } from "./chevrotain.js";
import type { CelExpr } from "../ast/cel.js";
import type * as A from "../ast/nodes.js";
import type { Span } from "../source/source-file.js";
import { CelParser, LIST, NONE } from "./cel-parser.js";
import { registerClosers } from "./error-messages.js";
import { nextDecl } from "./next-decl.js";
import * as T from "./tokens.js";

registerClosers([
  [T.RCurly, "{"],
  [T.RParen, "("],
  [T.RBracket, "["],
]);

const NOT_A_VALUE_END = new Set<TokenType>([T.Equals, T.LCurly, T.Colon]);
const STATE_STARTS = new Set<TokenType>([T.Allow, T.Next, T.Await, T.Final]);
const TEST_STARTS = new Set<TokenType>([T.Tenant, T.Given, T.Do, T.Expect]);
const RULE_STARTS = new Set<TokenType>([T.Permit, T.Forbid, T.Require]);
const NO_STARTS = new Set<TokenType>();
/** Words that begin the entry after an action list in a policy or a state. */
const ENTRY_STARTS = new Set<TokenType>([T.When, T.Next, T.Final, T.Await, T.Allow, T.Permit, T.Forbid, T.Require]);

/** A method of Chevrotain's that the parser wraps (not part of its type declarations). */
const chevrotain = CelParser.prototype as unknown as { findReSyncTokenType(this: CelParser): TokenType };

/**
 * What the parser did with a window of a file (`window.ts`): the window's own tokens come
 * first (`size` of them), then a few of the file's real next tokens as lookahead, then
 * tripwires that stand for the end of input and set `strayed` when read before the
 * boundary. `boundary` is set the first time the parser stands between top-level items (an
 * item just parsed, or none yet) with every window token consumed, with what it had
 * recorded by then.
 */
export class Lookout {
  boundary:
    | {
        readonly errors: number;
        readonly depthProblems: number;
        readonly misplaced: number;
        readonly reservedNames: number;
        readonly escapeProblems: number;
        /** The top-level items parsed by then (`package` and `import` outside the header are in `misplaced`). */
        readonly package: A.PackageDecl | undefined;
        readonly imports: number;
        readonly declarations: readonly A.Declaration[];
      }
    | undefined;
  strayed = false;

  constructor(readonly size: number) {}
}

export class PaybillParser extends CelParser {
  // Chevrotain's own state (not part of its type declarations): the index of the last
  // consumed token, and how deep in rules the parser is (0: in `file`, between items).
  declare private currIdx: number;
  declare private RULE_STACK_IDX: number;
  /** Set only while a window is parsed. */
  private lookout: Lookout | undefined;

  /** Spans of `package`/`import` lines found after the first declaration. */
  misplaced: Span[] = [];
  /** Reserved words used where a name was expected, reported as PB1007. */
  reservedNames: { span: Span; word: string }[] = [];
  /** The text being parsed, so number literals keep their exact spelling. */
  source = "";

  // The alternatives of hot `OR`s are fields, built once per parser (see
  // `CelParser.primaryAlternatives`); they read their first token themselves instead of
  // capturing a rule's locals.

  constructor(validate = false) {
    super(T.ALL_TOKENS, validate);
    this.performSelfAnalysis();
  }

  /**
   * The top-level items parsed so far in this run: what the file keeps when the parser gives
   * up on the rest of it (an error it cannot resume after ends the `file` rule).
   */
  private top: { pkg: A.PackageDecl | undefined; imports: A.ImportDecl[]; declarations: A.Declaration[] } = { pkg: undefined, imports: [], declarations: [] };

  override beginParse(textLength: number): void {
    super.beginParse(textLength);
    this.misplaced = [];
    this.reservedNames = [];
    this.top = { pkg: undefined, imports: [], declarations: [] };
  }

  /** Starts (or, with undefined, stops) checking every token the parser looks at. */
  watch(lookout: Lookout | undefined): void {
    this.lookout = lookout;
  }

  /**
   * Chevrotain's search for where to resume after an error: between top-level items the only
   * place is the end of input, found by reading every token to it. The answer is the same
   * without the reading, which a window's lookout would take for straying past the window.
   */
  protected findReSyncTokenType(): TokenType {
    if (this.lookout !== undefined && this.RULE_STACK_IDX === 0) return EOF;
    return chevrotain.findReSyncTokenType.call(this);
  }

  /** Before any window token is consumed, the token before the window is not the file's: a span from it would differ. */
  protected override here(): number {
    const lookout = this.lookout;
    if (lookout !== undefined && lookout.boundary === undefined && this.currIdx === -1) lookout.strayed = true;
    return super.here();
  }

  /** Called between top-level items: marks the lookout's boundary once every window token is consumed. */
  private between(pkg: A.PackageDecl | undefined, imports: number, declarations: readonly A.Declaration[]): void {
    const lookout = this.lookout;
    if (lookout === undefined || lookout.boundary !== undefined || lookout.strayed || this.currIdx !== lookout.size - 1) return;
    lookout.boundary = {
      errors: this.errors.length,
      depthProblems: this.depthProblems.length,
      misplaced: this.misplaced.length,
      reservedNames: this.reservedNames.length,
      escapeProblems: this.escapeProblems.length,
      package: pkg,
      imports,
      declarations: [...declarations],
    };
  }

  private ident(token: IToken): A.Ident {
    return { kind: "Ident", span: this.tokenSpan(token), name: token.isInsertedInRecovery ? "" : token.image };
  }

  /** `{ item, item, … }` with optional commas between items. */
  private braced<I>(item: () => I | undefined): I[] {
    const items: I[] = [];
    this.CONSUME(T.LCurly);
    this.MANY(() => {
      this.add(items, item());
      this.OPTION(() => this.CONSUME(T.Comma));
    });
    this.CONSUME(T.RCurly);
    return items;
  }

  /** Consumes a keyword and returns the word it stands for. */
  private keyword<W extends string>(type: TokenType, word: W): W {
    this.CONSUME(type);
    return word;
  }

  private isName(token: IToken): boolean {
    return token.tokenType === T.Identifier || (token.tokenType.CATEGORIES?.includes(T.Identifier) ?? false);
  }

  /** A `,` that continues a list, rather than separating it from the next entry. */
  private listContinues(stops: Set<TokenType>): boolean {
    const next = this.LA(2);
    return (
      this.LA(1).tokenType === T.Comma &&
      !stops.has(next.tokenType) &&
      !NOT_A_VALUE_END.has(this.LA(3).tokenType)
    );
  }

  // ---- file ----

  /**
   * One loop over every top-level item: `package` and `import` are accepted anywhere so
   * that one out of place is a single clear error (PB1008), not a cascade.
   */
  file = this.define(
    "file",
    (): A.FileNode => {
    let pkg: A.PackageDecl | undefined;
    const top = this.top;
    const imports: A.ImportDecl[] = top.imports;
    const declarations: A.Declaration[] = top.declarations;
    this.ACTION(() => this.between(pkg, imports.length, declarations));
    this.MANY(() => {
      // Also at the start of an item: after skipping what no item starts with, recovery
      // resumes the loop here.
      this.ACTION(() => this.between(pkg, imports.length, declarations));
      this.OR([
        {
          ALT: () => {
            const found = this.SUBRULE(this.packageDecl);
            this.ACTION(() => {
              if (found === undefined) return;
              if (pkg !== undefined || imports.length > 0 || declarations.length > 0) this.misplaced.push(found.span);
              else {
                pkg = found;
                top.pkg = found;
              }
            });
          },
        },
        {
          ALT: () => {
            const found = this.SUBRULE(this.importDecl);
            this.ACTION(() => {
              if (found === undefined) return;
              if (declarations.length > 0) this.misplaced.push(found.span);
              else imports.push(found);
            });
          },
        },
        {
          ALT: () => {
            const decl = this.SUBRULE(this.declaration);
            this.ACTION(() => {
              if (decl !== undefined) declarations.push(decl);
            });
          },
        },
      ]);
      this.ACTION(() => this.between(pkg, imports.length, declarations));
    });
    return { kind: "File", span: { start: 0, end: this.textLength }, package: pkg, imports, declarations, comments: [] };
    },
    { recoveryValueFunc: (): A.FileNode => ({ kind: "File", span: { start: 0, end: this.textLength }, package: this.top.pkg, imports: [...this.top.imports], declarations: [...this.top.declarations], comments: [] }) },
  );

  private packageDecl = this.define("packageDecl", (): A.PackageDecl => {
    const start = this.CONSUME(T.Package);
    const name = this.SUBRULE(this.qualifiedName);
    return { kind: "Package", span: this.spanFrom(start), name };
  }, NONE);

  private importDecl = this.define("importDecl", (): A.ImportDecl => {
    const start = this.CONSUME(T.Import);
    const path = this.SUBRULE(this.qualifiedName);
    let members: A.Ident[] | undefined;
    let alias: A.Ident | undefined;
    this.OR([
      {
        ALT: () => {
          this.CONSUME(T.Dot);
          this.CONSUME(T.LCurly);
          members = [];
          this.MANY(() => {
            const member = this.CONSUME(T.Identifier);
            this.ACTION(() => members?.push(this.ident(member)));
            this.OPTION(() => this.CONSUME(T.Comma));
          });
          this.CONSUME(T.RCurly);
        },
      },
      {
        ALT: () => {
          this.CONSUME(T.As);
          alias = this.ident(this.CONSUME2(T.Identifier));
        },
      },
      { ALT: () => undefined },
    ]);
    return { kind: "Import", span: this.spanFrom(start), path, members, alias };
  }, NONE);

  private readonly declarationAlts: IOrAlt<A.Declaration>[] = [
    { ALT: () => this.SUBRULE(this.providerDecl) },
    { ALT: () => this.SUBRULE(this.isolationDecl) },
    { ALT: () => this.SUBRULE(this.cloudDecl) },
    { ALT: () => this.SUBRULE(this.planDecl) },
    { ALT: () => this.SUBRULE(this.tenantDecl) },
    { ALT: () => this.SUBRULE(this.agentDecl) },
    { ALT: () => this.SUBRULE(this.groupDecl) },
    { ALT: () => this.SUBRULE(this.entityDecl) },
    { ALT: () => this.SUBRULE(this.actionDecl) },
    { ALT: () => this.SUBRULE(this.policyDecl) },
    { ALT: () => this.SUBRULE(this.workflowDecl) },
    { ALT: () => this.SUBRULE(this.testDecl) },
    { ALT: () => this.SUBRULE(this.constDecl) },
  ];

  private declaration = this.define(
    "declaration",
    (): A.Declaration | undefined =>
      this.OR(this.declarationAlts),
    { recoveryValueFunc: () => undefined },
  );

  // ---- names and values ----

  private qualifiedName = this.define(
    "qualifiedName",
    (): A.QualifiedName => {
      const start = this.LA(1);
      const parts = [this.ident(this.CONSUME(T.Identifier))];
      this.MANY({
        GATE: () => this.isName(this.LA(2)),
        DEF: () => {
          this.CONSUME(T.Dot);
          const part = this.CONSUME2(T.Identifier);
          this.ACTION(() => parts.push(this.ident(part)));
        },
      });
      return { kind: "QualifiedName", span: this.spanFrom(start), parts };
    },
    { recoveryValueFunc: (e) => ({ kind: "QualifiedName" as const, span: this.missingAt(e).span, parts: [] }) },
  );

  private readonly nameAlts: IOrAlt<A.Ident>[] = [
    { ALT: () => this.ident(this.CONSUME(T.Identifier)) },
    {
      ALT: () => {
        const word = this.CONSUME(T.ReservedWord);
        this.ACTION(() => this.reservedNames.push({ span: this.tokenSpan(word), word: word.image }));
        return this.ident(word);
      },
    },
  ];

  /** A declared name. A reserved word is taken as the name and reported, so one slip is one error. */
  private name = this.define("name", (): A.Ident =>
    this.OR(this.nameAlts), { recoveryValueFunc: (e) => ({ kind: "Ident" as const, span: this.missingAt(e).span, name: "" }) });

  private readonly valueAlts: IOrAlt<A.Value>[] = [
    { ALT: () => this.stringValue(this.CONSUME(T.StringLiteral)) },
    { ALT: () => ({ kind: "Bool", span: this.tokenSpan(this.CONSUME(T.True)), value: true }) },
    { ALT: () => ({ kind: "Bool", span: this.tokenSpan(this.CONSUME(T.False)), value: false }) },
    {
      ALT: () => {
        const token = this.CONSUME(T.Duration);
        return { kind: "Duration", span: this.tokenSpan(token), raw: token.image };
      },
    },
    { ALT: () => this.SUBRULE(this.quantity) },
    {
      ALT: () => {
        const start = this.CONSUME(T.LBracket);
        const items: A.Value[] = [];
        this.MANY(() => {
          this.add(items, this.SUBRULE(this.value));
          this.OPTION(() => this.CONSUME(T.Comma));
        });
        this.CONSUME(T.RBracket);
        return { kind: "List", span: this.spanFrom(start), items };
      },
    },
    { ALT: () => this.SUBRULE(this.reference) },
  ];

  value = this.define(
    "value",
    (): A.Value =>
      this.OR(this.valueAlts),
    { recoveryValueFunc: (e) => this.missingAt(e) },
  );

  private stringValue(token: IToken): A.StringValue {
    const span = this.tokenSpan(token);
    if (token.isInsertedInRecovery) return { kind: "String", span, raw: '""', value: "" };
    return { kind: "String", span, raw: token.image, value: this.checkEscapes(token) };
  }

  private quantity = this.define("quantity", (): A.NumberValue | A.QuantityValue => {
    const start = this.LA(1);
    this.OPTION(() => this.CONSUME(T.Minus));
    this.OR([{ ALT: () => this.CONSUME(T.IntLiteral) }, { ALT: () => this.CONSUME(T.DoubleLiteral) }]);
    const amount: A.NumberValue = this.ACTION(() => {
      const span = this.spanFrom(start);
      return { kind: "Number", span, raw: this.source.slice(span.start, span.end).replace(/\s+/g, "") };
    });
    let unit: A.Ident | undefined;
    let per: A.Ident | undefined;
    this.OPTION2({
      // A plain name (not a keyword) that does not start the next `key = …` entry.
      GATE: () => this.LA(1).tokenType === T.Identifier && !NOT_A_VALUE_END.has(this.LA(2).tokenType),
      DEF: () => {
        unit = this.ident(this.CONSUME(T.Identifier));
      },
    });
    this.OPTION3({
      GATE: () => this.isName(this.LA(2)) && !NOT_A_VALUE_END.has(this.LA(3).tokenType),
      DEF: () => {
        this.CONSUME(T.Per);
        per = this.ident(this.CONSUME2(T.Identifier));
      },
    });
    if (unit === undefined && per === undefined) return amount;
    return { kind: "Quantity", span: this.spanFrom(start), amount, unit, per };
  });

  private reference = this.define("reference", (): A.RefValue => {
    const start = this.LA(1);
    const name = this.SUBRULE(this.qualifiedName);
    let args: A.Arg[] | undefined;
    let optional = false;
    let on: A.QualifiedName | undefined;
    this.OPTION(() => {
      args = this.SUBRULE(this.args);
    });
    this.OPTION2(() => {
      this.CONSUME(T.Question);
      optional = true;
    });
    this.OPTION3({
      GATE: () => this.isName(this.LA(2)) && !NOT_A_VALUE_END.has(this.LA(3).tokenType),
      DEF: () => {
        this.CONSUME(T.On);
        on = this.SUBRULE2(this.qualifiedName);
      },
    });
    return { kind: "Ref", span: this.spanFrom(start), name, args, optional, on };
  });

  private typeRef = this.define(
    "typeRef",
    (): A.RefValue => {
      const start = this.LA(1);
      const name = this.SUBRULE(this.qualifiedName);
      let args: A.Arg[] | undefined;
      let optional = false;
      this.OPTION(() => {
        args = this.SUBRULE(this.args);
      });
      this.OPTION2(() => {
        this.CONSUME(T.Question);
        optional = true;
      });
      return { kind: "Ref", span: this.spanFrom(start), name, args, optional, on: undefined };
    },
    { recoveryValueFunc: (e) => ({ kind: "Ref" as const, span: this.missingAt(e).span, name: { kind: "QualifiedName" as const, span: this.missingAt(e).span, parts: [] }, args: undefined, optional: false, on: undefined }) },
  );

  private args = this.define("args", (): A.Arg[] => {
    const list: A.Arg[] = [];
    this.CONSUME(T.LParen);
    this.MANY(() => {
      const start = this.LA(1);
      let name: A.Ident | undefined;
      this.OPTION({
        GATE: () => this.LA(2).tokenType === T.Colon,
        DEF: () => {
          name = this.ident(this.CONSUME(T.Identifier));
          this.CONSUME(T.Colon);
        },
      });
      const value = this.SUBRULE(this.value);
      this.ACTION(() => list.push({ kind: "Arg", span: this.spanFrom(start), name, value }));
      this.OPTION2(() => this.CONSUME(T.Comma));
    });
    this.CONSUME(T.RParen);
    return list;
  }, LIST);

  private annotation = this.define("annotation", (): A.Annotation => {
    const start = this.CONSUME(T.AtSign);
    const name = this.ident(this.CONSUME(T.Identifier));
    let args: A.Arg[] | undefined;
    this.OPTION(() => {
      args = this.SUBRULE(this.args);
    });
    return { kind: "Annotation", span: this.spanFrom(start), name, args };
  }, NONE);

  /** A CEL expression as it appears in a `.paybill` construct: depth-checked. */
  private condition = this.define("condition", (): CelExpr => {
    const expr = this.SUBRULE(this.celExpr);
    return this.ACTION(() => this.bounded(expr));
  });

  // ---- generic bodies ----

  private body = this.define("body", (): A.Entry[] => {
    return this.braced(() => this.SUBRULE(this.entry));
  }, LIST);

  private readonly entryAlts: IOrAlt<A.Entry>[] = [{ ALT: () => this.SUBRULE(this.attribute) }, { ALT: () => this.SUBRULE(this.block) }];

  private entry = this.define("entry", (): A.Entry =>
    this.OR(this.entryAlts), NONE);

  private readonly keyAlts: IOrAlt<A.Ident | A.StringValue>[] = [
    { ALT: (): A.Ident | A.StringValue => this.ident(this.CONSUME(T.Identifier)) },
    { ALT: (): A.Ident | A.StringValue => this.stringValue(this.CONSUME(T.StringLiteral)) },
  ];

  private attribute = this.define("attribute", (): A.Attribute => {
    const start = this.LA(1);
    const key = this.OR(this.keyAlts);
    this.CONSUME(T.Equals);
    const value = this.SUBRULE(this.value);
    return { kind: "Attribute", span: this.spanFrom(start), key, value };
  }, NONE);

  private block = this.define("block", (): A.Block => {
    const start = this.LA(1);
    const name = this.ident(this.CONSUME(T.Identifier));
    const entries = this.SUBRULE(this.body);
    return { kind: "Block", span: this.spanFrom(start), name, entries };
  }, NONE);

  // ---- simple declarations ----

  /** `keyword name { entries }`: the shape of providers, isolation models, plans, tenants and agents. */
  private namedBody(keyword: TokenType): { span: Span; name: A.Ident; body: A.Entry[] } {
    const start = this.CONSUME(keyword);
    const name = this.SUBRULE(this.name);
    const body = this.SUBRULE(this.body);
    return { span: this.spanFrom(start), name, body };
  }

  private cloudDecl = this.define("cloudDecl", (): A.CloudDecl => {
    const start = this.CONSUME(T.Cloud);
    const provider = this.SUBRULE(this.name);
    let name: A.Ident | undefined;
    this.OPTION(() => {
      name = this.SUBRULE2(this.name);
    });
    const body = this.SUBRULE(this.body);
    return { kind: "Cloud", span: this.spanFrom(start), provider, name, body };
  }, NONE);

  private providerDecl = this.define("providerDecl", (): A.ProviderDecl => ({ kind: "Provider", ...this.namedBody(T.Provider) }), NONE);

  private isolationDecl = this.define("isolationDecl", (): A.IsolationDecl => ({ kind: "Isolation", ...this.namedBody(T.Isolation) }), NONE);

  private planDecl = this.define("planDecl", (): A.PlanDecl => ({ kind: "Plan", ...this.namedBody(T.Plan) }), NONE);

  private tenantDecl = this.define("tenantDecl", (): A.TenantDecl => ({ kind: "Tenant", ...this.namedBody(T.Tenant) }), NONE);

  private agentDecl = this.define("agentDecl", (): A.AgentDecl => ({ kind: "Agent", ...this.namedBody(T.Agent) }), NONE);

  /** `const name = <CEL>`: the checker requires a literal. */
  private constDecl = this.define("constDecl", (): A.ConstDecl => {
    const start = this.CONSUME(T.Const);
    const name = this.SUBRULE(this.name);
    this.CONSUME(T.Equals);
    const value = this.SUBRULE(this.condition);
    return { kind: "Const", span: this.spanFrom(start), name, value };
  }, NONE);

  private groupDecl = this.define("groupDecl", (): A.GroupDecl => ({ kind: "Group", ...this.namedBody(T.Group) }), NONE);

  // ---- entities ----

  private entityDecl = this.define("entityDecl", (): A.EntityDecl => {
    const start = this.CONSUME(T.Entity);
    const name = this.SUBRULE(this.name);
    const annotations: A.Annotation[] = [];
    this.MANY(() => {
      this.add(annotations, this.SUBRULE(this.annotation));
    });
    const fields = this.SUBRULE(this.fieldList);
    return { kind: "Entity", span: this.spanFrom(start), name, annotations, fields };
  }, NONE);

  private fieldList = this.define("fieldList", (): A.Field[] => {
    return this.braced(() => this.SUBRULE(this.field));
  }, LIST);

  /** `name type @annotations`; a `:` after the name is optional (input blocks use it). */
  private field = this.define("field", (): A.Field => {
    const start = this.LA(1);
    const name = this.SUBRULE(this.name);
    this.OPTION(() => this.CONSUME(T.Colon));
    const type = this.SUBRULE(this.typeRef);
    const annotations: A.Annotation[] = [];
    this.MANY(() => {
      this.add(annotations, this.SUBRULE(this.annotation));
    });
    return { kind: "Field", span: this.spanFrom(start), name, type, annotations };
  }, NONE);

  // ---- actions ----

  private actionDecl = this.define("actionDecl", (): A.ActionDecl => {
    const start = this.CONSUME(T.Action);
    const name = this.SUBRULE(this.name);
    const body = this.braced(() => this.SUBRULE(this.actionEntry));
    return { kind: "Action", span: this.spanFrom(start), name, body };
  }, NONE);

  private readonly actionEntryAlts: OrMethodOpts<A.ActionEntry> = {
    IGNORE_AMBIGUITIES: true,
    DEF: [
      {
        GATE: () => this.LA(2).tokenType === T.LCurly,
        ALT: (): A.ActionEntry => {
          const start = this.LA(1);
          this.CONSUME(T.Input);
          const fields = this.SUBRULE(this.fieldList);
          return { kind: "Input", span: this.spanFrom(start), fields };
        },
      },
      {
        GATE: () => this.LA(2).tokenType === T.Host,
        ALT: (): A.ActionEntry => {
          const start = this.CONSUME2(T.Effect);
          this.CONSUME(T.Host);
          return { kind: "HostEffect", span: this.spanFrom(start) };
        },
      },
      {
        GATE: () => this.LA(2).tokenType !== T.Equals && this.LA(2).tokenType !== T.LCurly,
        ALT: (): A.ActionEntry => this.SUBRULE(this.effect),
      },
      {
        GATE: () => this.LA(2).tokenType === T.Feature,
        ALT: (): A.ActionEntry => {
          const start = this.LA(1);
          this.CONSUME(T.Requires);
          this.CONSUME(T.Feature);
          const feature = this.ident(this.CONSUME(T.Identifier));
          return { kind: "RequiresFeature", span: this.spanFrom(start), feature };
        },
      },
      { ALT: (): A.ActionEntry => this.SUBRULE(this.attribute) },
      { ALT: (): A.ActionEntry => this.SUBRULE(this.block) },
    ],
  };

  private actionEntry = this.define("actionEntry", (): A.ActionEntry => {
    return this.OR(this.actionEntryAlts);
  }, NONE);

  private dataOp = this.define("dataOp", (): A.DataOp =>
    this.OR([
      { ALT: () => this.keyword(T.Read, "read") },
      { ALT: () => this.keyword(T.Insert, "insert") },
      { ALT: () => this.keyword(T.Update, "update") },
      { ALT: () => this.keyword(T.Delete, "delete") },
    ]), { recoveryValueFunc: () => "read" as const });

  private effect = this.define("effect", (): A.EffectDecl => {
    const start = this.CONSUME(T.Effect);
    const op = this.SUBRULE(this.dataOp);
    let many = false;
    this.OPTION5({
      GATE: () => this.LA(2).tokenType !== T.LParen && this.LA(2).tokenType !== T.Dot && this.LA(2).tokenType !== T.RCurly,
      DEF: () => {
        this.CONSUME(T.Many);
        many = true;
      },
    });
    const entity = this.SUBRULE(this.qualifiedName);
    let key: CelExpr | undefined;
    let assignments: A.Assignment[] | undefined;
    let where: CelExpr | undefined;
    let limit: A.NumberValue | undefined;
    this.OPTION(() => {
      this.CONSUME(T.LParen);
      key = this.SUBRULE(this.condition);
      this.CONSUME(T.RParen);
    });
    this.OPTION2(() => {
      this.CONSUME(T.SetKw);
      this.CONSUME(T.LCurly);
      const list: A.Assignment[] = [];
      this.MANY(() => {
        const field = this.ident(this.CONSUME(T.Identifier));
        this.CONSUME(T.Equals);
        const value = this.SUBRULE2(this.condition);
        this.ACTION(() => list.push({ kind: "Assignment", span: { start: field.span.start, end: value.span.end }, field, value }));
        this.OPTION3(() => this.CONSUME(T.Comma));
      });
      this.CONSUME(T.RCurly);
      assignments = list;
    });
    this.OPTION6({
      GATE: () => many && this.LA(2).tokenType !== T.Equals && this.LA(2).tokenType !== T.LCurly,
      DEF: () => {
        this.CONSUME(T.Where);
        where = this.SUBRULE3(this.condition);
      },
    });
    this.OPTION7({
      GATE: () => many && this.LA(2).tokenType === T.IntLiteral,
      DEF: () => {
        this.CONSUME(T.Limit);
        const token = this.CONSUME(T.IntLiteral);
        limit = { kind: "Number", span: this.tokenSpan(token), raw: token.image };
      },
    });
    return { kind: "Effect", span: this.spanFrom(start), op, entity, key, assignments, ...(many ? { many: true as const } : {}), ...(where === undefined ? {} : { where }), ...(limit === undefined ? {} : { limit }) };
  }, NONE);

  // ---- policies ----

  private readonly policyEntryAlts: OrMethodOpts<A.Attribute | A.Rule> = {
    IGNORE_AMBIGUITIES: true,
    DEF: [
      { GATE: () => this.LA(2).tokenType === T.Approval, ALT: (): A.Attribute | A.Rule => this.SUBRULE(this.requireRule) },
      { GATE: () => this.LA(2).tokenType !== T.Equals, ALT: (): A.Attribute | A.Rule => this.SUBRULE(this.rule) },
      { ALT: (): A.Attribute | A.Rule => this.SUBRULE(this.attribute) },
    ],
  };

  private policyDecl = this.define("policyDecl", (): A.PolicyDecl => {
    const start = this.CONSUME(T.Policy);
    const name = this.SUBRULE(this.name);
    const body = this.braced(() =>
      this.OR(this.policyEntryAlts),
    );
    return { kind: "Policy", span: this.spanFrom(start), name, body };
  }, NONE);

  rule = this.define("rule", (): A.Rule => {
    const start = this.LA(1);
    const effect = this.OR([
      { ALT: () => this.keyword(T.Permit, "permit") },
      { ALT: () => this.keyword(T.Forbid, "forbid") },
    ]);
    const principals: A.PrincipalSelector[] = [];
    this.principalList(principals);
    const { actions, condition } = this.ruleTail();
    return { kind: "Rule", span: this.spanFrom(start), effect, principals, actions, condition };
  }, NONE);

  /**
   * A rule's comma list of principals, added to `into`. A plain method, not a grammar rule:
   * its DSL calls record in the rule that calls it (`rule`, and `requireRule` inside its
   * OPTION), so errors still say which rule they were reading.
   */
  private principalList(into: A.PrincipalSelector[]): void {
    this.add(into, this.SUBRULE(this.principalSelector));
    this.MANY({
      GATE: () => this.listContinues(NO_STARTS),
      DEF: () => {
        this.CONSUME(T.Comma);
        this.add(into, this.SUBRULE2(this.principalSelector));
      },
    });
  }

  /** `to` A, … [`when` <CEL>]: what every kind of rule ends with (a plain method, as `principalList`). */
  private ruleTail(): { actions: A.ActionSelector[]; condition: CelExpr | undefined } {
    this.CONSUME(T.To);
    const actions = this.SUBRULE(this.actionSelectors, { ARGS: [RULE_STARTS] });
    let condition: CelExpr | undefined;
    this.OPTION9(() => {
      this.CONSUME(T.When);
      condition = this.SUBRULE(this.condition);
    });
    return { actions, condition };
  }

  /** `require approval from G [for P, …] to A, … [when <CEL>] [timeout D]` (spec/language.md §5.7). */
  requireRule = this.define("requireRule", (): A.Rule => {
    const start = this.CONSUME(T.Require);
    const approvalStart = this.CONSUME(T.Approval);
    this.CONSUME(T.From);
    const group = this.ident(this.CONSUME(T.Identifier));
    const approvalSpan = this.spanFrom(approvalStart);
    const principals: A.PrincipalSelector[] = [];
    this.OPTION(() => {
      this.CONSUME(T.For);
      this.principalList(principals);
    });
    const { actions, condition } = this.ruleTail();
    let timeout: A.DurationValue | undefined;
    this.OPTION3({
      GATE: () => this.LA(2).tokenType === T.Duration,
      DEF: () => {
      this.CONSUME(T.Timeout);
      const token = this.CONSUME(T.Duration);
      timeout = { kind: "Duration", span: this.tokenSpan(token), raw: token.image };
      },
    });
    const approval: A.RuleApproval = { kind: "RuleApproval", span: approvalSpan, group, timeout };
    return { kind: "Rule", span: this.spanFrom(start), effect: "require", principals, actions, condition, approval };
  }, NONE);

  private readonly principalAlts: OrMethodOpts<A.PrincipalSelector> = {
    IGNORE_AMBIGUITIES: true,
    DEF: [
      {
        GATE: () => this.LA(2).tokenType === T.Agent,
        ALT: (): A.PrincipalSelector => {
          const start = this.LA(1);
          this.CONSUME(T.Any);
          this.CONSUME(T.Agent);
          return { kind: "AnyAgent", span: this.spanFrom(start) };
        },
      },
      {
        GATE: () => this.isName(this.LA(2)) && this.LA(2).tokenType !== T.To,
        ALT: (): A.PrincipalSelector => {
          const start = this.LA(1);
          this.CONSUME(T.Role);
          const role = this.ident(this.CONSUME(T.Identifier));
          return { kind: "RoleSelector", span: this.spanFrom(start), role };
        },
      },
      {
        ALT: (): A.PrincipalSelector => {
          const agent = this.ident(this.CONSUME2(T.Identifier));
          return { kind: "AgentSelector", span: agent.span, agent };
        },
      },
    ],
  };

  private principalSelector = this.define("principalSelector", (): A.PrincipalSelector => {
    return this.OR(this.principalAlts);
  }, NONE);

  private actionSelectors = this.define("actionSelectors", (stops: Set<TokenType>): A.ActionSelector[] => {
    const list: A.ActionSelector[] = [];
    this.add(list, this.SUBRULE(this.actionSelector));
    this.MANY({
      GATE: () => this.listContinues(stops),
      DEF: () => {
        this.CONSUME(T.Comma);
        this.add(list, this.SUBRULE2(this.actionSelector));
      },
    });
    return list;
  }, LIST);

  private readonly actionSelectorAlts: OrMethodOpts<A.ActionSelector> = {
    IGNORE_AMBIGUITIES: true,
    DEF: [
      {
        GATE: () => this.LA(2).tokenType === T.Action,
        ALT: (): A.ActionSelector => {
          const start = this.LA(1);
          this.CONSUME(T.Any);
          this.CONSUME(T.Action);
          return { kind: "AnyAction", span: this.spanFrom(start) };
        },
      },
      {
        // `read X` is data access unless `X` starts the next entry (`when`, `next`, `k = …`):
        // then `read` is the name of an action.
        GATE: () =>
          this.isName(this.LA(2)) && !ENTRY_STARTS.has(this.LA(2).tokenType) && !NOT_A_VALUE_END.has(this.LA(3).tokenType),
        ALT: (): A.ActionSelector => {
          const start = this.LA(1);
          const op = this.SUBRULE(this.dataOp);
          const target = this.SUBRULE(this.qualifiedName);
          return { kind: "DataAccess", span: this.spanFrom(start), op, target };
        },
      },
      {
        ALT: (): A.ActionSelector => {
          const action = this.ident(this.CONSUME(T.Identifier));
          return { kind: "ActionRef", span: action.span, action };
        },
      },
    ],
  };

  actionSelector = this.define("actionSelector", (): A.ActionSelector => {
    return this.OR(this.actionSelectorAlts);
  }, NONE);

  // ---- workflows ----

  private workflowDecl = this.define("workflowDecl", (): A.WorkflowDecl => {
    const start = this.CONSUME(T.Workflow);
    const name = this.SUBRULE(this.name);
    const body = this.braced(() => this.SUBRULE(this.workflowEntry));
    return { kind: "Workflow", span: this.spanFrom(start), name, body };
  }, NONE);

  private readonly workflowEntryAlts: OrMethodOpts<A.WorkflowEntry> = {
    IGNORE_AMBIGUITIES: true,
    DEF: [
      {
        GATE: () => this.isName(this.LA(2)),
        ALT: (): A.WorkflowEntry => {
          const start = this.LA(1);
          this.CONSUME(T.Start);
          const state = this.ident(this.CONSUME(T.Identifier));
          return { kind: "Start", span: this.spanFrom(start), state };
        },
      },
      {
        GATE: () => this.isName(this.LA(2)),
        ALT: (): A.WorkflowEntry => {
          const start = this.LA(1);
          this.CONSUME(T.State);
          const name = this.SUBRULE(this.name);
          const body = this.braced(() => this.SUBRULE(this.stateEntry));
          return { kind: "State", span: this.spanFrom(start), name, body };
        },
      },
      {
        GATE: () => this.LA(2).tokenType === T.LCurly,
        ALT: (): A.WorkflowEntry => {
          const start = this.LA(1);
          this.CONSUME(T.ContextKw);
          const fields = this.SUBRULE(this.fieldList);
          return { kind: "Context", span: this.spanFrom(start), fields };
        },
      },
      { ALT: (): A.WorkflowEntry => this.SUBRULE(this.attribute) },
      { ALT: (): A.WorkflowEntry => this.SUBRULE(this.block) },
    ],
  };

  private workflowEntry = this.define("workflowEntry", (): A.WorkflowEntry => {
    return this.OR(this.workflowEntryAlts);
  }, NONE);

  private readonly stateEntryAlts: OrMethodOpts<A.StateEntry> = {
    IGNORE_AMBIGUITIES: true,
    DEF: [
      {
        GATE: () => this.LA(2).tokenType !== T.Equals,
        ALT: (): A.StateEntry => {
          const start = this.LA(1);
          this.CONSUME(T.Allow);
          const actions = this.SUBRULE(this.actionSelectors, { ARGS: [STATE_STARTS] });
          return { kind: "Allow", span: this.spanFrom(start), actions };
        },
      },
      {
        GATE: () => this.LA(2).tokenType !== T.Equals,
        ALT: (): A.StateEntry => {
          const start = this.LA(1);
          this.CONSUME(T.Next);
          const edges: A.NextEdge[] = [];
          this.add(edges, this.SUBRULE(this.nextEdge));
          this.MANY({
            GATE: () => this.listContinues(STATE_STARTS),
            DEF: () => {
              this.CONSUME(T.Comma);
              const edge = this.SUBRULE2(this.nextEdge);
              this.ACTION(() => this.add(edges, edge));
            },
          });
          return nextDecl(this.spanFrom(start), edges);
        },
      },
      {
        GATE: () => this.LA(2).tokenType === T.Approval,
        ALT: (): A.StateEntry => {
          const start = this.LA(1);
          this.CONSUME(T.Await);
          this.CONSUME(T.Approval);
          this.CONSUME(T.From);
          const group = this.stringValue(this.CONSUME(T.StringLiteral));
          return { kind: "AwaitApproval", span: this.spanFrom(start), group };
        },
      },
      {
        GATE: () => this.LA(2).tokenType !== T.Equals,
        ALT: (): A.StateEntry => {
          const start = this.LA(1);
          this.CONSUME(T.Final);
          return { kind: "Final", span: this.spanFrom(start) };
        },
      },
      { ALT: (): A.StateEntry => this.SUBRULE(this.attribute) },
    ],
  };

  /** A target of `next`, with `by <mover>` and `when <guard>` if given. */
  private nextEdge = this.define("nextEdge", (): A.NextEdge => {
    const start = this.LA(1);
    const state = this.ident(this.CONSUME(T.Identifier));
    let by: A.Ident | undefined;
    let when: CelExpr | undefined;
    this.OPTION({
      GATE: () => this.isName(this.LA(2)),
      DEF: () => {
        this.CONSUME(T.By);
        by = this.ident(this.CONSUME2(T.Identifier));
      },
    });
    this.OPTION2({
      GATE: () => this.LA(2).tokenType !== T.Equals,
      DEF: () => {
        this.CONSUME(T.When);
        when = this.SUBRULE(this.condition);
      },
    });
    return { kind: "NextEdge", span: this.spanFrom(start), state, by, when };
  }, NONE);

  private stateEntry = this.define("stateEntry", (): A.StateEntry => {
    return this.OR(this.stateEntryAlts);
  }, NONE);

  // ---- tests ----

  private testDecl = this.define("testDecl", (): A.TestDecl => {
    const start = this.CONSUME(T.Test);
    const name = this.stringValue(this.CONSUME(T.StringLiteral));
    const body = this.braced(() => this.SUBRULE(this.testStatement));
    return { kind: "Test", span: this.spanFrom(start), name, body };
  }, NONE);

  private readonly testStatementAlts: OrMethodOpts<A.TestStatement> = {
    IGNORE_AMBIGUITIES: true,
    DEF: [
      {
        ALT: (): A.TestStatement => {
          const start = this.LA(1);
          this.CONSUME(T.As);
          const agent = this.ident(this.CONSUME(T.Identifier));
          let workflow: A.Ident | undefined;
          let state: A.Ident | undefined;
          this.OPTION(() => {
            this.CONSUME(T.In);
            workflow = this.ident(this.CONSUME2(T.Identifier));
            this.OPTION2(() => {
              this.CONSUME(T.At);
              state = this.ident(this.CONSUME3(T.Identifier));
            });
          });
          return { kind: "As", span: this.spanFrom(start), agent, workflow, state };
        },
      },
      {
        ALT: (): A.TestStatement => {
          const start = this.LA(1);
          this.CONSUME(T.Tenant);
          const tenant = this.ident(this.CONSUME4(T.Identifier));
          return { kind: "TenantIs", span: this.spanFrom(start), tenant };
        },
      },
      {
        GATE: () => this.LA(2).tokenType === T.Approval,
        ALT: (): A.TestStatement => {
          const start = this.LA(1);
          this.CONSUME(T.Given);
          this.CONSUME(T.Approval);
          this.CONSUME(T.From);
          const group = this.stringValue(this.CONSUME(T.StringLiteral));
          return { kind: "GivenApproval", span: this.spanFrom(start), group };
        },
      },
      {
        // `given context {`: the run's context (`given context.E { … }` is still a row: of an entity in a module `context`).
        GATE: () => this.LA(2).tokenType === T.ContextKw && this.LA(3).tokenType !== T.Dot,
        ALT: (): A.TestStatement => {
          const start = this.LA(1);
          this.CONSUME3(T.Given);
          this.CONSUME(T.ContextKw);
          const record = this.SUBRULE3(this.record);
          return { kind: "GivenContext", span: this.spanFrom(start), record };
        },
      },
      {
        // `given untrusted "…"`; `given untrusted { … }` (or `.E { … }`) stays a row of an entity called so.
        GATE: () => this.LA(2).tokenType === T.Untrusted && this.LA(3).tokenType !== T.LCurly && this.LA(3).tokenType !== T.Dot,
        ALT: (): A.TestStatement => {
          const start = this.LA(1);
          this.CONSUME4(T.Given);
          this.CONSUME(T.Untrusted);
          const value = this.stringValue(this.CONSUME2(T.StringLiteral));
          return { kind: "GivenUntrusted", span: this.spanFrom(start), value };
        },
      },
      {
        ALT: (): A.TestStatement => {
          const start = this.LA(1);
          this.CONSUME2(T.Given);
          const entity = this.SUBRULE(this.qualifiedName);
          const record = this.SUBRULE(this.record);
          return { kind: "GivenRecord", span: this.spanFrom(start), entity, record };
        },
      },
      {
        ALT: (): A.TestStatement => {
          const start = this.LA(1);
          this.CONSUME(T.Do);
          const action = this.ident(this.CONSUME5(T.Identifier));
          const input = this.SUBRULE2(this.record);
          return { kind: "Do", span: this.spanFrom(start), action, input };
        },
      },
      {
        ALT: (): A.TestStatement => {
          const start = this.LA(1);
          this.CONSUME(T.Expect);
          const decision = this.OR2([
            { ALT: () => this.keyword(T.Allow, "allow") },
            { ALT: () => this.keyword(T.Deny, "deny") },
            { ALT: () => this.keyword(T.Pending, "pending") },
          ]);
          const by: A.Ident[] = [];
          this.OPTION3(() => {
            this.CONSUME(T.By);
            by.push(this.ident(this.CONSUME6(T.Identifier)));
            this.MANY({
              GATE: () => this.listContinues(TEST_STARTS),
              DEF: () => {
                this.CONSUME(T.Comma);
                const policy = this.CONSUME7(T.Identifier);
                this.ACTION(() => by.push(this.ident(policy)));
              },
            });
          });
          return { kind: "Expect", span: this.spanFrom(start), decision, by };
        },
      },
    ],
  };

  private testStatement = this.define("testStatement", (): A.TestStatement => {
    return this.OR(this.testStatementAlts);
  }, NONE);

  private record = this.define("record", (): A.RecordLiteral => {
    const start = this.CONSUME(T.LCurly);
    const fields: A.RecordField[] = [];
    this.MANY(() => {
      const name = this.ident(this.CONSUME(T.Identifier));
      this.CONSUME(T.Colon);
      const value = this.SUBRULE(this.condition);
      this.ACTION(() => fields.push({ kind: "RecordField", span: { start: name.span.start, end: value.span.end }, name, value }));
      this.OPTION(() => this.CONSUME(T.Comma));
    });
    this.CONSUME(T.RCurly);
    return { kind: "Record", span: this.spanFrom(start), fields };
  }, { recoveryValueFunc: (e) => ({ kind: "Record" as const, span: this.missingAt(e).span, fields: [] }) });

}
