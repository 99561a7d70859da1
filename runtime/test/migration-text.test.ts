/**
 * Released runtime migrations are never edited: their text is pinned by SHA-256. Migration 5,
 * 8, 10 and 16 write their policies from store/table-policies.ts (the list the catalogue audit
 * checks), so a change there that would rewrite a released migration fails here; a policy
 * change is a new migration. Each secured table's `create policy` statements appear in its
 * migration's text exactly as the list renders them.
 */
import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { MIGRATIONS } from "../src/store/migrations.js";
import { RUNTIME_TABLE_SECURITY, tableSecuritySql } from "../src/store/table-policies.js";

const RELEASED: Record<number, string> = {
  1: "b3ec2c88f4f9e60a34f4648c702d4ad2053733422021a1e23bf6dde16cbdb1e9",
  2: "f528af9310cd9f06a0b4686a6d75ee1c42f3472615f2a317390c904b20c1fe31",
  3: "b9e99a2e0c49d28bd5bfbad2f8b5cf6618da17719dfb921d2025980549318e5b",
  4: "68a9a57789155f2d815a57078d7d1ccc2cf9f2cb4058fcc6949938a138249068",
  5: "b192a702b3cada8e0d5e3c76951cfc085ecc85cbc526121ca4dba008903ce1ab",
  6: "6277c517ab63148d2a9b05cba57933cf3a6382354e21db05d244ab8d8cad8237",
  8: "1dfadf02e8531d21a831377a75391ee75628370132ae24c1e7f4e8daa987e119",
  9: "ff2771456e7be86e0572c9d3ea4c689f6d775ddcf8aabc4ce0222c7578eddac7",
  10: "2d9d2faa6b86ae82495c3afba766858baec7fd037e95774684583b8893aa9286",
  14: "4fdca0f347f791a100a74dc872887464f96f152938d5615e69fd7ee19d215749",
  11: "ef669d5edf5efbb7eb3e1ed19530bbe4fc714159a20d3de6577b8f63cbb80071",
  16: "4a82dcd434fbd6a4b7f17e85df8f6eac171b11f2d51135766a6a4cc41bc67efc",
  13: "866e1f439697ac277e2df94429573f5e69c31a99be774ca88fd4b8b00ea3cc48",
  12: "9be0aee1209241fd195058c22532ad92fde2465342e50d1ff71d8114171bb1f9",
  17: "19dd691329b97952ab02a59a0a188a1d337ba36df55e133ed2408971370183b7",
  18: "13ad8dbc4f903020665dab9b600d316324186c4c30f1ec6f3c50c46d7694ff33",
};

describe("the runtime's released migrations", () => {
  it("keep the text they were released with", () => {
    for (const migration of MIGRATIONS) {
      const pinned = RELEASED[migration.version];
      if (pinned === undefined) continue; // not released yet: pin it when it is
      expect({ version: migration.version, sha256: createHash("sha256").update(migration.sql).digest("hex") }).toEqual({ version: migration.version, sha256: pinned });
    }
  });

  it("write each secured table's row-level security as table-policies.ts lists it", () => {
    for (const security of RUNTIME_TABLE_SECURITY) {
      const migration = MIGRATIONS.find((m) => m.version === security.version);
      expect(migration?.sql).toContain(tableSecuritySql(security));
    }
  });
});
