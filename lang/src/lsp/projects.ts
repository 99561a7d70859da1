/**
 * The projects of an editor's workspace, each checked on its own: a file belongs to the
 * nearest directory at or above it that holds `paybill.json` (`project/manifest.ts`), else
 * to the workspace folder it is in (a folder without a manifest is one project), else to
 * the project of loose files. So a repository root with broken test fixtures, or two copies
 * of an example, does not mix their declarations. Owns which `Workspace` a URI belongs to;
 * what the disk holds is asked of the caller.
 */
import { dirname, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { findProjectRoot } from "../project/manifest.js";
import { Workspace } from "./workspace.js";

export class Projects {
  private readonly byRoot = new Map<string, Workspace>();
  private readonly byUri = new Map<string, Workspace>();
  private manifests = new Map<string, Promise<boolean>>();

  constructor(
    readonly folders: readonly string[],
    private readonly exists: (path: string) => Promise<boolean>,
  ) {}

  /** The project a URI belongs to, once `assign` has placed it. */
  of(uri: string): Workspace | undefined {
    return this.byUri.get(uri);
  }

  all(): Workspace[] {
    return [...this.byRoot.values()];
  }

  /** The project's root for a URI: its manifest's directory, its workspace folder, or undefined. */
  async rootOf(uri: string): Promise<string | undefined> {
    let path: string;
    try {
      path = fileURLToPath(uri);
    } catch {
      return undefined;
    }
    const found = await findProjectRoot(dirname(path), (manifest) => {
      let known = this.manifests.get(manifest);
      if (known === undefined) {
        known = this.exists(manifest);
        this.manifests.set(manifest, known);
      }
      return known;
    });
    if (found !== undefined) return found;
    const folders = this.folders.filter((f) => path === f || path.startsWith(f.endsWith(sep) ? f : f + sep));
    return folders.sort((a, b) => b.length - a.length)[0];
  }

  /** Places a URI in its project (made on first use) and returns it. */
  async assign(uri: string): Promise<Workspace> {
    const known = this.byUri.get(uri);
    if (known !== undefined) return known;
    const root = await this.rootOf(uri);
    const again = this.byUri.get(uri);
    if (again !== undefined) return again;
    const key = root ?? "";
    let workspace = this.byRoot.get(key);
    if (workspace === undefined) {
      workspace = new Workspace(root);
      this.byRoot.set(key, workspace);
    }
    this.byUri.set(uri, workspace);
    return workspace;
  }

  /**
   * A manifest appeared, went or changed: every document is placed again (the caller stores
   * the returned texts into their new projects).
   */
  reset(): { uri: string; text: string; version: number; open: boolean }[] {
    const docs = this.all().flatMap((w) => w.store.all().map((d) => ({ uri: d.uri, text: d.parsed.source.text, version: d.version, open: d.open })));
    this.byRoot.clear();
    this.byUri.clear();
    this.manifests = new Map();
    return docs;
  }
}
