/**
 * Chevrotain, loaded from its single-file bundle.
 *
 * The package's entry point pulls in several hundred small `lodash-es` modules; loading
 * them costs about half a second at every start of `paybillc`. The bundle has the same
 * API in one file and loads in a fraction of that. Types still come from the package.
 */
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { pathToFileURL } from "node:url";

type Chevrotain = typeof import("chevrotain");

const entry = createRequire(import.meta.url).resolve("chevrotain");
const bundle = (await import(pathToFileURL(join(dirname(entry), "..", "chevrotain.mjs")).href)) as Chevrotain;

export const { createToken, createTokenInstance, EmbeddedActionsParser, EOF, Lexer } = bundle;
export type {
  IOrAlt,
  IParserErrorMessageProvider,
  IRecognitionException,
  IRuleConfig,
  IToken,
  OrMethodOpts,
  ParserMethod,
  TokenType,
} from "chevrotain";
