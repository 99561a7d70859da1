/**
 * File-system errors in words a user reads: `permission denied`, not an errno dump.
 */

const REASONS: Record<string, string> = {
  EACCES: "permission denied",
  EPERM: "operation not permitted",
  ENOENT: "no such file or directory",
  ENOTDIR: "a part of the path is not a directory",
  EISDIR: "it is a directory",
  ELOOP: "too many symbolic links",
  EMFILE: "too many open files",
  ENAMETOOLONG: "the name is too long",
  ENOSPC: "no space left on the device",
  EROFS: "the file system is read-only",
  EIO: "an input/output error",
};

export function errorCode(error: unknown): string | undefined {
  return typeof error === "object" && error !== null && "code" in error ? String(error.code) : undefined;
}

export function describeFsError(error: unknown): string {
  const reason = REASONS[errorCode(error) ?? ""];
  if (reason !== undefined) return reason;
  return error instanceof Error ? error.message : String(error);
}
