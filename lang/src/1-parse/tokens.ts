/**
 * The token vocabulary of `.paybill` files, CEL conditions included (one lexer for both,
 * since CEL is embedded inline).
 *
 * Words come in two kinds. *Reserved* words (CEL's reserved words plus `package`, `import`,
 * `as`) can never be names. Every other keyword is *contextual*: its token type belongs to
 * the `Identifier` category, so `input.amount` or an entity field called `state` still parse,
 * while the grammar asks for the specific keyword where one is meant.
 */
import { createToken, Lexer, type TokenType } from "./chevrotain.js";
import { execBlockComment, execBytes, execString, execUnterminatedString } from "./scanners.js";

export const Identifier = createToken({ name: "Identifier", pattern: /[A-Za-z_][A-Za-z0-9_]*/, label: "a name" });

/** Category of every reserved word, so the parser can recognise one used as a name. */
export const ReservedWord = createToken({ name: "ReservedWord", pattern: Lexer.NA, label: "a reserved word" });

/**
 * Operator categories: the parser asks "is this a binary operator?" once rather than
 * trying fourteen alternatives after every operand.
 */
export const BinaryOperator = createToken({ name: "BinaryOperator", pattern: Lexer.NA, label: "an operator" });
export const UnaryOperator = createToken({ name: "UnaryOperator", pattern: Lexer.NA, label: "`!` or `-`" });

/** Every keyword by its spelling; the lexer reads words as names and looks them up here. */
export const KEYWORDS = new Map<string, TokenType>();

const reserved = (word: string): TokenType => {
  const type = createToken({ name: `Reserved_${word}`, pattern: Lexer.NA, categories: [ReservedWord], label: `\`${word}\`` });
  KEYWORDS.set(word, type);
  return type;
};
const keyword = (word: string): TokenType => {
  const type = createToken({ name: `Kw_${word}`, pattern: Lexer.NA, categories: [Identifier], label: `\`${word}\`` });
  KEYWORDS.set(word, type);
  return type;
};

// Reserved words with a role in the grammar.
export const Package = reserved("package");
export const Import = reserved("import");
export const As = reserved("as");
export const In = createToken({ name: "Reserved_in", pattern: Lexer.NA, categories: [ReservedWord, BinaryOperator], label: "`in`" });
KEYWORDS.set("in", In);
export const True = reserved("true");
export const False = reserved("false");
export const Null = reserved("null");
/** `const name = <CEL literal>`: CEL reserves the word, so it can never be a name. */
export const Const = reserved("const");
/** CEL reserves it; `require approval from G for P to …` gives it a role (so it stays no name). */
export const For = reserved("for");
/** CEL reserves these for future use; a `.paybill` file may not use them as names either. */
export const RESERVED_UNUSED = [
  "break", "continue", "else", "function", "if", "let", "loop", "namespace", "return", "var", "void", "while",
].map(reserved);

// Contextual keywords.
export const Cloud = keyword("cloud");
export const Plan = keyword("plan");
export const Tenant = keyword("tenant");
export const Entity = keyword("entity");
export const Agent = keyword("agent");
export const Action = keyword("action");
export const Policy = keyword("policy");
export const Workflow = keyword("workflow");
export const Test = keyword("test");
export const Isolation = keyword("isolation");
export const Provider = keyword("provider");
export const Permit = keyword("permit");
export const Forbid = keyword("forbid");
export const To = keyword("to");
export const When = keyword("when");
export const Any = keyword("any");
export const Role = keyword("role");
export const Input = keyword("input");
export const Effect = keyword("effect");
export const SetKw = keyword("set");
export const Requires = keyword("requires");
export const Feature = keyword("feature");
export const Read = keyword("read");
export const Insert = keyword("insert");
export const Update = keyword("update");
export const Delete = keyword("delete");
export const Start = keyword("start");
export const State = keyword("state");
export const Allow = keyword("allow");
export const Next = keyword("next");
export const Await = keyword("await");
export const Approval = keyword("approval");
export const From = keyword("from");
export const Final = keyword("final");
export const On = keyword("on");
export const Per = keyword("per");
export const Given = keyword("given");
export const Do = keyword("do");
export const At = keyword("at");
export const Expect = keyword("expect");
export const Deny = keyword("deny");
export const Pending = keyword("pending");
export const By = keyword("by");
/** `context { … }` in a workflow: the run's trusted context (spec/language.md §5.8). */
export const ContextKw = keyword("context");
/** `given untrusted "…"` in a test: a value the run has seen in untrusted output (§5.9). */
export const Untrusted = keyword("untrusted");
// Host-performed effects and list reads (`effect host`, `effect read many E where … limit N`).
export const Host = keyword("host");
export const Many = keyword("many");
export const Where = keyword("where");
export const Limit = keyword("limit");
export const Require = keyword("require");
export const Group = keyword("group");
export const Timeout = keyword("timeout");

// Literals. Order matters: longer and more specific patterns first.
const QUOTE_STARTS = ["r", "R", "b", "B", '"', "'"];
export const StringLiteral = createToken({
  name: "StringLiteral",
  pattern: { exec: execString },
  line_breaks: true,
  label: "a string",
  start_chars_hint: QUOTE_STARTS,
});
export const BytesLiteral = createToken({
  name: "BytesLiteral",
  pattern: { exec: execBytes },
  line_breaks: true,
  label: "a bytes literal",
  start_chars_hint: QUOTE_STARTS,
});
/**
 * An opening quote with no closing one (on its line, or in the file for triple quotes). The
 * lexer reports it as PB0002 and hands the parser a string token, so one typo is one error.
 */
export const UnterminatedString = createToken({
  name: "UnterminatedString",
  pattern: { exec: execUnterminatedString },
  line_breaks: true,
  label: "an unterminated string",
  start_chars_hint: QUOTE_STARTS,
});
export const Duration = createToken({
  name: "Duration",
  pattern: /\d+(?:ms|s|m|h|d|w)(?![A-Za-z0-9_])/,
  label: "a duration",
  start_chars_hint: ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"],
});
export const DoubleLiteral = createToken({
  name: "DoubleLiteral",
  pattern: /(?:\d+\.\d+(?:[eE][+-]?\d+)?|\d+[eE][+-]?\d+|\.\d+(?:[eE][+-]?\d+)?)/,
  label: "a number",
});
export const UintLiteral = createToken({ name: "UintLiteral", pattern: /(?:0[xX][0-9a-fA-F]+|\d+)[uU]/, label: "a number" });
export const IntLiteral = createToken({ name: "IntLiteral", pattern: /0[xX][0-9a-fA-F]+|\d+/, label: "a number" });

// Punctuation and operators.
const punct = (name: string, pattern: RegExp, text: string, categories: TokenType[] = []): TokenType =>
  createToken({ name, pattern, label: `\`${text}\``, categories });
export const LCurly = punct("LCurly", /{/, "{");
export const RCurly = punct("RCurly", /}/, "}");
export const LParen = punct("LParen", /\(/, "(");
export const RParen = punct("RParen", /\)/, ")");
export const LBracket = punct("LBracket", /\[/, "[");
export const RBracket = punct("RBracket", /]/, "]");
export const Comma = punct("Comma", /,/, ",");
export const Colon = punct("Colon", /:/, ":");
export const Dot = punct("Dot", /\./, ".");
export const AtSign = punct("AtSign", /@/, "@");
export const Question = punct("Question", /\?/, "?");
export const OrOr = punct("OrOr", /\|\|/, "||", [BinaryOperator]);
export const AndAnd = punct("AndAnd", /&&/, "&&", [BinaryOperator]);
export const EqEq = punct("EqEq", /==/, "==", [BinaryOperator]);
export const NotEq = punct("NotEq", /!=/, "!=", [BinaryOperator]);
export const LessEq = punct("LessEq", /<=/, "<=", [BinaryOperator]);
export const GreaterEq = punct("GreaterEq", />=/, ">=", [BinaryOperator]);
export const Less = punct("Less", /</, "<", [BinaryOperator]);
export const Greater = punct("Greater", />/, ">", [BinaryOperator]);
export const Equals = punct("Equals", /=/, "=");
export const Bang = punct("Bang", /!/, "!", [UnaryOperator]);
export const Plus = punct("Plus", /\+/, "+", [BinaryOperator]);
export const Minus = punct("Minus", /-/, "-", [BinaryOperator, UnaryOperator]);
export const Star = punct("Star", /\*/, "*", [BinaryOperator]);
export const Slash = punct("Slash", /\//, "/", [BinaryOperator]);
export const Percent = punct("Percent", /%/, "%", [BinaryOperator]);

export const LineComment = createToken({ name: "LineComment", pattern: /\/\/[^\r\n]*/, group: "comments" });
export const BlockComment = createToken({
  name: "BlockComment",
  pattern: { exec: (text: string, offset: number) => execBlockComment(text, offset, true) },
  line_breaks: true,
  group: "comments",
  start_chars_hint: ["/"],
});
export const UnterminatedComment = createToken({
  name: "UnterminatedComment",
  pattern: { exec: (text: string, offset: number) => execBlockComment(text, offset, false) },
  line_breaks: true,
  label: "an unterminated comment",
  start_chars_hint: ["/"],
});
export const WhiteSpace = createToken({ name: "WhiteSpace", pattern: /[ \t\r\n\f\v\uFEFF]+/, group: Lexer.SKIPPED });

export const CONTEXTUAL_KEYWORDS = [
  Cloud, Plan, Tenant, Entity, Agent, Action, Policy, Workflow, Test, Isolation, Provider, Permit, Forbid, To, When, Any, Role, Input, Effect,
  SetKw, Requires, Feature, Read, Insert, Update, Delete, Start, State, Allow, Next, Await, Approval, From, Final, On, Per,
  Given, Do, At, Expect, Deny, Pending, By, ContextKw, Untrusted,
  Host, Many, Where, Limit,
  Require, Group, Timeout,
];
export const RESERVED_WORDS = [Package, Import, As, In, True, False, Null, Const, For, ...RESERVED_UNUSED];

/** The token types the lexer matches, in the order it tries them. */
export const LEXED_TOKENS: TokenType[] = [
  WhiteSpace,
  LineComment,
  BlockComment,
  UnterminatedComment,
  BytesLiteral,
  StringLiteral,
  UnterminatedString,
  Identifier,
  Duration,
  DoubleLiteral,
  UintLiteral,
  IntLiteral,
  LCurly, RCurly, LParen, RParen, LBracket, RBracket, Comma, Colon, Dot, AtSign, Question,
  OrOr, AndAnd, EqEq, NotEq, LessEq, GreaterEq, Less, Greater, Equals, Bang, Plus, Minus, Star, Slash, Percent,
];

/** Every token type the parser knows: the lexed ones, the keywords and their categories. */
export const ALL_TOKENS: TokenType[] = [...LEXED_TOKENS, ReservedWord, BinaryOperator, UnaryOperator, ...RESERVED_WORDS, ...CONTEXTUAL_KEYWORDS];

/** Tokens whose presence is already an error; the parser never asks for them. */
export const ERROR_TOKENS = new Set<TokenType>([UnterminatedString, UnterminatedComment]);
