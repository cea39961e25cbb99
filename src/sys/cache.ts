/**
 * bpfkit's on-disk cache: where it lives, atomic writes, and the content hash of a kernel BTF file
 * found without reading it. Cached files are keyed by content hashes, so a new kernel or object
 * never meets a stale entry.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';

/** bpfkit's cache directory: $XDG_CACHE_HOME/bpfkit, else ~/.cache/bpfkit. */
export function cacheDir(env: NodeJS.ProcessEnv = process.env): string {
  const base = env.XDG_CACHE_HOME || join(env.HOME || homedir(), '.cache');
  return join(base, 'bpfkit');
}

/**
 * Whether `p` is a regular file that this process's user owns and that nobody else can change: the
 * file and its directory are neither owned by another user nor group- or world-writable. Cached
 * files that become code (a header, a precompiled header, a V8 code cache) are used only then.
 */
export function isPrivateFile(p: string): boolean {
  try {
    const uid = process.geteuid?.() ?? -1;
    const mine = (s: { uid: number; mode: number }): boolean => s.uid === uid && (s.mode & 0o022) === 0;
    const st = statSync(p);
    return st.isFile() && mine(st) && mine(statSync(dirname(p)));
  } catch {
    return false;
  }
}

/** Whether `p` is an existing regular file. */
export function isFile(p: string): boolean {
  try {
    return statSync(p).isFile();
  } catch {
    return false;
  }
}

/**
 * Writes via a temporary file and rename, so concurrent writers never see a half-written file.
 * `mode` is the new file's (default: 0666 less the umask).
 */
export function writeAtomic(path: string, data: string | Uint8Array, mode?: number): void {
  const tmp = `${path}.tmp-${process.pid}-${Math.random().toString(36).slice(2)}`;
  writeFileSync(tmp, data, mode === undefined ? undefined : { mode });
  renameSync(tmp, path);
}

/** The sha256 of a BTF file, and its bytes when they had to be read. */
export interface BtfHash {
  sha256: string;
  raw?: Buffer;
}

/**
 * The sha256 of the BTF file at `path`. A `stat-<key>` note in `dir` remembers it for the file's
 * device, inode, size and mtime (/sys/kernel/btf/vmlinux gets a new mtime at every boot), so a known
 * file is neither read nor hashed; otherwise the file is read, hashed and the note written (when the
 * cache is writable). Throws the fs error (ENOENT…) when the file cannot be read.
 */
export function btfHash(path: string, dir: string): BtfHash {
  const st = statSync(path);
  const statKey = createHash('sha256')
    .update(`${path}\0${st.dev}\0${st.ino}\0${st.size}\0${st.mtimeMs}`)
    .digest('hex')
    .slice(0, 32);
  const note = join(dir, `stat-${statKey}`);
  const known = readText(note);
  if (known && /^[0-9a-f]{64}$/.test(known)) return { sha256: known };
  const raw = readFileSync(path);
  const sha256 = createHash('sha256').update(raw).digest('hex');
  try {
    mkdirSync(dir, { recursive: true });
    writeAtomic(note, sha256);
  } catch {
    // A read-only cache only costs the next caller the hash again.
  }
  return { sha256, raw };
}

function readText(p: string): string | undefined {
  try {
    return readFileSync(p, 'utf8').trim();
  } catch {
    return undefined;
  }
}
