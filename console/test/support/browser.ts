/**
 * Debian's Chromium driven by playwright-core for the console's browser tests: headless,
 * one page per test file, every page error collected (a test fails on one), and screenshots
 * written to `.ci/artifacts/console/` (gitignored; CI keeps them as artifacts).
 */
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { type Browser, chromium, type Page } from "playwright-core";

export const CHROMIUM = process.env["PAYBILL_TEST_CHROMIUM"] ?? "/usr/bin/chromium";
export const ARTIFACTS = fileURLToPath(new URL("../../../.ci/artifacts/console/", import.meta.url));

export interface ConsoleBrowser {
  readonly browser: Browser;
  readonly page: Page;
  /** Uncaught errors and the app's console errors, in order (not the browser's own line for an answer of 4xx or 5xx). */
  readonly errors: string[];
  /** Saves a full-page screenshot as `<name>.png` under ARTIFACTS; returns its path. */
  shot(name: string): Promise<string>;
  close(): Promise<void>;
}

export async function openBrowser(): Promise<ConsoleBrowser> {
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"] });
  const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
  const errors: string[] = [];
  page.on("pageerror", (error) => errors.push(error.message));
  page.on("console", (message) => {
    if (message.type() === "error" && !message.text().startsWith("Failed to load resource")) errors.push(message.text());
  });
  mkdirSync(ARTIFACTS, { recursive: true });
  return {
    browser,
    page,
    errors,
    async shot(name) {
      const path = join(ARTIFACTS, `${name}.png`);
      await page.screenshot({ path, fullPage: true });
      return path;
    },
    close: () => browser.close(),
  };
}
