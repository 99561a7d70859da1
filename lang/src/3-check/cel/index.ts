/**
 * The CEL checker's public surface: type checking, conditions, safety bounds, and the
 * type model they share. The rest of the checker imports from here only.
 */
export { type CelField, type CelType, type PrimitiveName, T, typeName } from "./cel-types.js";
export { type CelCheckResult, type CelEnv, checkCel } from "./check-cel.js";
export { checkCondition } from "./check-condition.js";
export { type CostEstimate, estimateCost, MAX_CONDITION_COST } from "./cost.js";
export { FUNCTIONS, type Overload, signature } from "./functions.js";
export { type Comprehension, comprehensionOf } from "./macros.js";
export { type CelProblem, celProblem } from "./problems.js";
export { re2Error } from "./regex.js";
export { checkSafety, MAX_CONDITION_NODES } from "./safety.js";
export { equalComparable, join, unwrap } from "./type-utils.js";
export { children, countNodes, nodes } from "../../ast/cel-walk.js";
