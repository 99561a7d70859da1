/**
 * `paybillc check --format sarif`: one SARIF 2.1.0 log on stdout whose results are the same
 * diagnostics as `--format json` (code, level, file, region, message with help), each with its
 * rule described by the catalogue; the exit status as for the other formats.
 */
import type { Log } from "sarif";
import { describe, expect, it } from "vitest";
import { paybillc, project } from "./support/cli.js";

const BROKEN = {
  "plans.paybill": "import std.isolation.{pooled}\nplan free { price = 0, isolation = pooled }\nplan enterprise { price = custom, isolation = pooled }\n",
  "dir with space/rules.paybill": 'agent bot {}\naction go {}\npolicy p { permit bot to go when tenant.plan == "enterprsie" && inputs == {} }\n',
};

describe("paybillc check --format sarif", () => {
  it("reports every diagnostic of --format json as a SARIF result, with its rule from the catalogue", async () => {
    const dir = await project(BROKEN);
    const sarif = await paybillc(["check", ".", "--format", "sarif"], dir);
    const json = await paybillc(["check", ".", "--format", "json"], dir);
    expect([sarif.code, json.code]).toEqual([1, 1]);
    const log = JSON.parse(sarif.stdout) as Log;
    const diagnostics = JSON.parse(json.stdout) as { code: string; severity: string; file: string; line: number; column: number; endLine: number; endColumn: number; message: string; help?: string }[];
    expect(log.version).toBe("2.1.0");
    const run = log.runs[0];
    expect(run?.tool.driver.name).toBe("paybillc");
    expect(run?.tool.driver.rules?.map((r) => [r.id, r.defaultConfiguration?.level])).toEqual([
      ["PB3010", "error"],
      ["PB3011", "error"],
    ]);
    expect(run?.results?.map((r) => [r.ruleId, run.tool.driver.rules?.[r.ruleIndex ?? -1]?.id, r.level, r.message.text, r.locations?.[0]?.physicalLocation?.artifactLocation?.uri, r.locations?.[0]?.physicalLocation?.region])).toEqual(
      diagnostics.map((d) => [
        d.code,
        d.code,
        d.severity,
        d.help === undefined ? d.message : `${d.message}\nhelp: ${d.help}`,
        d.file.replaceAll(" ", "%20"),
        { startLine: d.line, startColumn: d.column, endLine: d.endLine, endColumn: d.endColumn },
      ]),
    );
    expect(diagnostics.map((d) => d.file)).toEqual(["dir with space/rules.paybill", "dir with space/rules.paybill"]);
  });

  it("is an empty run, exit 0, for a clean project", async () => {
    const dir = await project({ "plans.paybill": BROKEN["plans.paybill"] });
    const sarif = await paybillc(["check", ".", "--format", "sarif"], dir);
    expect(sarif.code).toBe(0);
    const log = JSON.parse(sarif.stdout) as Log;
    expect([log.runs[0]?.results, log.runs[0]?.tool.driver.rules]).toEqual([[], []]);
  });
});
