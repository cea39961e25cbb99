/**
 * Absolute paths of what a process's relative path or fd refers to, from its /proc entries
 * (/proc/<pid>/cwd and /proc/<pid>/fd/<fd>), read when the event is printed: empty when the process
 * or fd is gone by then. Needs /proc and, for other users' processes, root.
 */
import { readlinkSync } from 'node:fs';

/** AT_FDCWD: a relative path is resolved against the process's working directory. */
export const AT_FDCWD = -100;

function link(path: string): string {
  try {
    return readlinkSync(path);
  } catch {
    return '';
  }
}

/** What fd `fd` of process `pid` is open on ('' when unknown). */
export function fdTarget(pid: number, fd: number): string {
  return link(`/proc/${pid}/fd/${fd}`);
}

/**
 * `path` as process `pid` resolved it: as it is when absolute, else under its working directory
 * (dirfd AT_FDCWD) or the directory open at `dirfd`; an empty path (AT_EMPTY_PATH) names `dirfd`
 * itself. A directory that cannot be read leaves the path relative.
 */
export function resolvedPath(pid: number, dirfd: number, path: string): string {
  if (path.startsWith('/')) return path;
  const dir = dirfd === AT_FDCWD ? link(`/proc/${pid}/cwd`) : dirfd >= 0 ? fdTarget(pid, dirfd) : '';
  if (!dir) return path;
  if (path === '') return dir;
  return dir.endsWith('/') ? dir + path : `${dir}/${path}`;
}
