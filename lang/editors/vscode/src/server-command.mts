/**
 * How the extension starts the language server, as a pure function of the settings, the
 * platform and what exists on disk (tested without VS Code): the configured command, else
 * the workspace's own `node_modules/.bin/paybillc` (`paybillc.cmd` on Windows), else
 * `paybillc` on the PATH. A `.cmd` or `.bat` (npm's launchers on Windows) runs only through
 * a shell, so `shell` says to use one.
 */
export interface ServerCommand {
  readonly command: string;
  readonly args: string[];
  readonly shell: boolean;
}

export function serverCommand(options: {
  readonly configured: string;
  readonly args: readonly string[];
  readonly folder: string | undefined;
  readonly platform: string;
  readonly exists: (path: string) => boolean;
  readonly join: (...parts: string[]) => string;
}): ServerCommand {
  const args = [...options.args, "lsp"];
  const windows = options.platform === "win32";
  const local = options.folder === undefined ? undefined : options.join(options.folder, "node_modules", ".bin", windows ? "paybillc.cmd" : "paybillc");
  const command = options.configured !== "" ? options.configured : local !== undefined && options.exists(local) ? local : "paybillc";
  // On Windows `paybillc` on the PATH is npm's `paybillc.cmd` too: a shell finds and runs it.
  const shell = windows && (/\.(cmd|bat)$/i.test(command) || command === "paybillc");
  return { command, args, shell };
}
