/**
 * Finding the files uprobes attach to: path globs, bare program names (searched in $PATH), bare
 * library names (`libc`, looked up in /etc/ld.so.cache like the dynamic linker), and the executable
 * files a process maps. Kernel side: only /proc/PID/maps and /proc/PID/root.
 */
import { accessSync, constants, readdirSync, readFileSync, statSync } from 'node:fs';
import { globMatch, hasWildcard } from './pattern.js';

const DEFAULT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

function isFile(p: string): boolean {
  try {
    return statSync(p).isFile();
  } catch {
    return false;
  }
}

function isExecutable(p: string): boolean {
  try {
    accessSync(p, constants.X_OK);
    return isFile(p);
  } catch {
    return false;
  }
}

/** Expands a path glob segment by segment (`*` does not match a leading dot, as in glob(3)). */
export function expandPathGlob(pattern: string): string[] {
  const absolute = pattern.startsWith('/');
  let paths = [absolute ? '/' : '.'];
  for (const seg of pattern.split('/').filter((s) => s !== '')) {
    const next: string[] = [];
    for (const dir of paths) {
      const join = (name: string): string =>
        dir === '/' ? `/${name}` : dir === '.' && !absolute ? name : `${dir}/${name}`;
      if (!hasWildcard(seg)) {
        next.push(join(seg));
        continue;
      }
      let names: string[];
      try {
        names = readdirSync(dir);
      } catch {
        continue;
      }
      for (const n of names.sort()) {
        if (n.startsWith('.') && !seg.startsWith('.')) continue;
        if (globMatch(seg, n)) next.push(join(n));
      }
    }
    paths = next;
  }
  return paths.filter(isFile);
}

/** Machine flag the ld.so.cache uses for native 64-bit libraries (0 = accept any). */
function cacheArchFlag(): number {
  switch (process.arch) {
    case 'x64':
      return 0x0300;
    case 'arm64':
      return 0x0a00;
    default:
      return 0;
  }
}

/**
 * The library `lib<name>.so*` (or `<name>.so*` when `name` starts with `lib`: `libc` and `c` both
 * mean libc.so.6) the dynamic linker would pick, from /etc/ld.so.cache (glibc-ld.so.cache1.1 format).
 */
export function findLibrary(name: string, cachePath = '/etc/ld.so.cache'): string | undefined {
  let buf: Buffer;
  try {
    buf = readFileSync(cachePath);
  } catch {
    return undefined;
  }
  const start = buf.indexOf('glibc-ld.so.cache1.1');
  if (start < 0 || start + 48 > buf.length) return undefined;
  const nlibs = buf.readUInt32LE(start + 20);
  const want = name.startsWith('lib') ? `${name}.so` : `lib${name}.so`;
  const arch = cacheArchFlag();
  const str = (off: number): string => {
    const o = start + off;
    const end = buf.indexOf(0, o);
    return buf.toString('latin1', o, end < 0 ? buf.length : end);
  };
  for (let i = 0; i < nlibs; i++) {
    const e = start + 48 + i * 24;
    if (e + 24 > buf.length) break;
    const flags = buf.readInt32LE(e);
    if (arch && (flags & 0xff00) !== arch) continue;
    if (str(buf.readUInt32LE(e + 4)).startsWith(want)) return str(buf.readUInt32LE(e + 8));
  }
  return undefined;
}

/**
 * The files a uprobe target names: a path (globs expanded), else a program in $PATH, else a library
 * known to the dynamic linker. Empty when nothing matches.
 */
export function resolveBinary(target: string): string[] {
  if (target.includes('/'))
    return hasWildcard(target) ? expandPathGlob(target) : isFile(target) ? [target] : [];
  if (hasWildcard(target)) return expandPathGlob(target);
  for (const dir of (process.env.PATH || DEFAULT_PATH).split(':')) {
    if (dir && isExecutable(`${dir}/${target}`)) return [`${dir}/${target}`];
  }
  const lib = findLibrary(target);
  return lib ? [lib] : [];
}

/** Absolute paths of the file-backed executable mappings of process `pid`, from /proc/PID/maps. */
export function mappedExecutables(pid: number): string[] {
  const text = readFileSync(`/proc/${pid}/maps`, 'utf8');
  const out = new Set<string>();
  for (const line of text.split('\n')) {
    // address perms offset dev inode path
    const m = /^\S+\s+(\S+)\s+\S+\s+\S+\s+\d+\s+(\/.*)$/.exec(line);
    if (!m || !m[1].includes('x') || m[2].endsWith(' (deleted)')) continue;
    out.add(m[2]);
  }
  return [...out].sort();
}
