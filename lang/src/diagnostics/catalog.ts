/**
 * The diagnostics catalogue: every code the language can report, as data.
 *
 * Codes are stable; once published a code keeps its meaning forever. Each entry is
 * documented in `spec/diagnostics.md` under a `## PBxxxx` heading with a failing example and
 * its fix; a test keeps the two in step. Messages follow the style guide in that file:
 * lowercase, no final period, user input in backticks, detail in `help`.
 *
 * Ranges: PB0xxx lexical, PB1xxx syntax, PB2xxx names and modules, PB3xxx types,
 * PB4xxx rules, PB9xxx tool and project level.
 */

export type Severity = "error" | "warning" | "info";

export interface CatalogEntry {
  readonly code: string;
  readonly severity: Severity;
  /** A one-line summary, as in the spec's heading. */
  readonly title: string;
}

const entry = (code: string, severity: Severity, title: string): CatalogEntry => ({ code, severity, title });

export const CATALOG = {
  unexpectedCharacter: entry("PB0001", "error", "unexpected character"),
  unterminatedString: entry("PB0002", "error", "unterminated string"),
  unterminatedComment: entry("PB0003", "error", "unterminated block comment"),
  notUtf8: entry("PB0004", "error", "file is not UTF-8 text"),
  invalidEscape: entry("PB0005", "error", "invalid escape sequence in a string"),
  expectedToken: entry("PB1001", "error", "expected a specific token"),
  unexpectedToken: entry("PB1002", "error", "unexpected token"),
  expectedOneOrMore: entry("PB1003", "error", "expected at least one item"),
  expectedDeclaration: entry("PB1004", "error", "expected a declaration"),
  nestingTooDeep: entry("PB1005", "error", "brackets nested too deeply"),
  expressionTooDeep: entry("PB1006", "error", "expression nested too deeply"),
  reservedWord: entry("PB1007", "error", "reserved word used as a name"),
  misplacedPackage: entry("PB1008", "error", "`package` or `import` after a declaration"),
  tooManyErrors: entry("PB1009", "info", "further errors in this file not shown"),
  misspeltKeyword: entry("PB1010", "error", "misspelt keyword"),
  // names and modules
  duplicateName: entry("PB2001", "error", "name declared twice"),
  unknownName: entry("PB2002", "error", "name not found"),
  missingModule: entry("PB2003", "error", "imported module not found"),
  importCycle: entry("PB2004", "error", "import cycle"),
  unknownImportMember: entry("PB2005", "error", "imported name not found in its module"),
  notImported: entry("PB2006", "error", "name declared in a module that is not imported"),
  wrongKind: entry("PB2007", "error", "name refers to the wrong kind of declaration"),
  reservedTableName: entry("PB2008", "error", "entity table name reserved for the runtime"),
  reservedFieldName: entry("PB2009", "error", "field name reserved for the tenant column"),
  // types
  unknownType: entry("PB3001", "error", "unknown type"),
  celTypeMismatch: entry("PB3002", "error", "operand of the wrong type"),
  celUnknownField: entry("PB3003", "error", "no such field"),
  celUnknownFunction: entry("PB3004", "error", "no such function or overload"),
  conditionNotBool: entry("PB3005", "error", "condition is not a `bool`"),
  attributeType: entry("PB3006", "error", "attribute value of the wrong type"),
  unknownAttribute: entry("PB3007", "error", "unknown attribute"),
  missingAttribute: entry("PB3008", "error", "required attribute missing"),
  recordMismatch: entry("PB3009", "error", "record does not match its schema"),
  celUndeclared: entry("PB3010", "error", "undeclared variable in a condition"),
  celUnknownValue: entry("PB3011", "error", "string compared with a name nothing declares"),
  insertMissingField: entry("PB3012", "error", "insert leaves a required field unset"),
  // rules
  featureNotGranted: entry("PB4001", "error", "required feature granted by no plan"),
  ambiguousCloud: entry("PB4002", "error", "isolation without a cloud when several are declared"),
  unknownRegion: entry("PB4003", "error", "region not offered by the cloud provider"),
  reservedActionName: entry("PB4004", "error", "action named like a data operation"),
  runtimeActionName: entry("PB4005", "error", "action name reserved for the runtime's own tools"),
  workflowStart: entry("PB4010", "error", "workflow without exactly one start"),
  unreachableState: entry("PB4011", "error", "state unreachable from the start"),
  noWayToFinal: entry("PB4012", "error", "state from which no final state can be reached"),
  deadState: entry("PB4020", "warning", "allowed action no policy can permit"),
  shadowedPermit: entry("PB4021", "warning", "permit overridden by an unconditional forbid"),
  piiNeedsPermit: entry("PB4022", "warning", "`@pii` field not covered by a permit to read the entity"),
  expressionTooLarge: entry("PB4030", "error", "condition too large"),
  matchesNeedsLiteral: entry("PB4031", "error", "`matches` without a literal pattern"),
  invalidRegex: entry("PB4032", "error", "pattern not valid in RE2"),
  costTooHigh: entry("PB4033", "error", "condition may cost too much to evaluate"),
  optionalInputInEffect: entry("PB4040", "error", "effect reads an optional input without `has`"),
  finalTimeout: entry("PB4060", "error", "`timeout` on a final state"),
  edgeMover: entry("PB4150", "error", "an edge's mover is not `agent` or `host`"),
  edgeTwice: entry("PB4151", "error", "an edge with `by` or `when` named twice in a state"),
  constNotLiteral: entry("PB4130", "error", "`const` value is not a literal"),
  constReservedName: entry("PB4131", "error", "`const` named like a condition variable"),
  constMixedTypes: entry("PB4132", "error", "`const` list or map with elements of different types"),
  lookupShape: entry("PB4133", "error", "lookup not written `exists(Entity, row, predicate)` over an entity"),
  lookupUnindexed: entry("PB4134", "error", "lookup predicate the runtime cannot answer on an index"),
  lookupValue: entry("PB4135", "error", "lookup compared with a value not known before the decision"),
  lookupPlace: entry("PB4136", "error", "lookup outside a policy condition"),
  windowUnknownAction: entry("PB4140", "error", "`total` or `count` of an unknown action"),
  windowField: entry("PB4141", "error", "`total` of a field that is not a numeric input of the action"),
  windowPeriod: entry("PB4142", "error", "window without a known period"),
  windowShape: entry("PB4143", "error", "`total` or `count` not written as a field or action and a window"),
  windowOutsidePolicy: entry("PB4144", "error", "`total` or `count` outside a policy condition"),
  contextTypeConflict: entry("PB4100", "error", "run context field declared with two types"),
  contextBlocks: entry("PB4101", "error", "workflow with more than one `context`"),
  testContextUnknownField: entry("PB4102", "error", "test context field the workflow does not declare"),
  testContextType: entry("PB4103", "error", "test context value of the wrong type"),
  testContextMissing: entry("PB4104", "error", "test context without a required field"),
  testContextWithoutRun: entry("PB4105", "error", "`given context` in a test whose run takes no context"),
  listReadLimit: entry("PB4160", "error", "list read without a limit from 1 to 100"),
  listReadWhere: entry("PB4161", "error", "list read condition that cannot run as a query"),
  listReadShape: entry("PB4162", "error", "`many` on an effect that is not a read of rows"),
  approvalTimeout: entry("PB4120", "error", "approval timeout out of range"),
  approvalOnField: entry("PB4121", "error", "approval required for a field"),
  untrustedNotText: entry("PB4110", "error", "`@untrusted` on a field that holds no text"),
  untrustedOutsideCondition: entry("PB4111", "error", "`untrusted()` outside a policy condition"),
  untrustedWithoutRun: entry("PB4112", "warning", "`untrusted()` for actions never taken in a run"),
  testUntrustedWithoutRun: entry("PB4113", "error", "`given untrusted` in a test outside a workflow run"),
  unreadableFile: entry("PB9001", "error", "file cannot be read"),
  noSourceFiles: entry("PB9002", "error", "no `.paybill` files found"),
  formatterFailed: entry("PB9003", "error", "the formatter could not keep a file's meaning"),
  isolationMove: entry("PB9004", "error", "a tenant would move to another isolation model"),
  signingKey: entry("PB9005", "error", "the signing key cannot be used"),
  releaseNumber: entry("PB9006", "error", "the release is not a release number"),
  buildNotUpToDate: entry("PB9007", "error", "the build is not up to date"),
  placementsRecord: entry("PB9008", "error", "the placements record cannot be read"),
  keyExists: entry("PB9009", "error", "a key file already exists"),
  cloudResourceNames: entry("PB9010", "error", "cloud resource names not valid or not apart"),
  initWouldOverwrite: entry("PB9011", "error", "init would overwrite a file"),
  explainUnknownAgent: entry("PB9012", "error", "explain: no such agent"),
  explainUnknownState: entry("PB9013", "error", "explain: no such workflow state for the agent"),
  explainOptions: entry("PB9014", "error", "explain: --request or --agent"),
  replayExport: entry("PB9015", "error", "replay: the audit export cannot be read"),
  replayBundle: entry("PB9016", "error", "replay: a bundle cannot be read"),
  replayTenantPlan: entry("PB9017", "error", "replay: a tenant's plan is not known"),
  projectGivenTwice: entry("PB9018", "error", "the project is given twice"),
} as const satisfies Record<string, CatalogEntry>;

export type DiagnosticKind = keyof typeof CATALOG;

export const ALL_CODES: readonly CatalogEntry[] = Object.values(CATALOG);
