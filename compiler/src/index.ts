/**
 * @paybill/compiler — what a Paybill project produces. For now: the `paybillc` command line.
 */
export { main } from "./cli.js";
export type { Io } from "./io.js";
