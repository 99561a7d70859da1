/**
 * `paybillc keygen <name>`: a new ed25519 key pair for signing bundles (spec/bundle.md#signature):
 * `<name>.key`, the private key (PKCS#8 PEM, readable by its owner only), for
 * `paybillc build --sign`, and `<name>.pub`, the public key (SPKI PEM), for the runtime's
 * trusted keys. An existing file is never overwritten (PB9009, exit 2): losing a signing
 * key is worse than typing another name. Prints the key's id, as signatures name it.
 */
import { generateKeyPairSync } from "node:crypto";
import { open, rm } from "node:fs/promises";
import { resolve } from "node:path";
import { publicKeyId } from "@paybill/runtime";
import type { Io } from "../io.js";
import { displayPath } from "../output/report.js";
import { describeFsError } from "../project/fs-errors.js";

export async function keygen(name: string, io: Io): Promise<number> {
  const { privateKey, publicKey } = generateKeyPairSync("ed25519");
  const files = [
    { path: resolve(io.cwd, `${name}.key`), text: privateKey.export({ type: "pkcs8", format: "pem" }).toString(), mode: 0o600 },
    { path: resolve(io.cwd, `${name}.pub`), text: publicKey.export({ type: "spki", format: "pem" }).toString(), mode: 0o644 },
  ];
  const written: string[] = [];
  for (const file of files) {
    try {
      const handle = await open(file.path, "wx", file.mode);
      written.push(file.path);
      try {
        await handle.writeFile(file.text, "utf8");
      } finally {
        await handle.close();
      }
    } catch (error) {
      for (const path of written) await rm(path, { force: true });
      const exists = typeof error === "object" && error !== null && "code" in error && error.code === "EEXIST";
      const shown = displayPath(io.cwd, file.path);
      if (exists) io.err(`error[PB9009]: ${shown} already exists\n  = help: a key is never overwritten: choose another name, or move the old key away if you mean to replace it\n`);
      else io.err(`paybillc: cannot write ${shown}: ${describeFsError(error)}\n`);
      return 2;
    }
  }
  const [key, pub] = files.map((f) => displayPath(io.cwd, f.path));
  io.err(`wrote ${key} (private: sign with \`paybillc build --sign ${key}\`, keep it secret) and ${pub} (public: trust it in the runtime)\n`);
  io.out(`${publicKeyId(publicKey)}\n`);
  return 0;
}
