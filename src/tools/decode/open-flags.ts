/**
 * open(2) flags as their names, `O_WRONLY|O_CREAT|O_TRUNC|O_CLOEXEC`, from the kernel's
 * include/uapi/asm-generic/fcntl.h with the arm64 differences (arch/arm64/include/uapi/asm/fcntl.h).
 * No kernel needed.
 */

const O_ACCMODE = 0o3;
const ACCESS = ['O_RDONLY', 'O_WRONLY', 'O_RDWR', 'O_ACCMODE'];
const O_DSYNC = 0o10000;
const O_SYNC_BIT = 0o4000000;
const O_TMPFILE_BIT = 0o20000000;

/** The flag bits whose values depend on the architecture. */
function archBits(arch: string): Record<string, number> {
  return arch === 'arm64' || arch === 'arm'
    ? { O_DIRECTORY: 0o40000, O_NOFOLLOW: 0o100000, O_DIRECT: 0o200000, O_LARGEFILE: 0o400000 }
    : { O_DIRECT: 0o40000, O_LARGEFILE: 0o100000, O_DIRECTORY: 0o200000, O_NOFOLLOW: 0o400000 };
}

/** Single-bit flags in value order, O_SYNC and O_TMPFILE (two bits each) handled apart. */
function bitNames(arch: string): [number, string][] {
  const bits: Record<string, number> = {
    O_CREAT: 0o100,
    O_EXCL: 0o200,
    O_NOCTTY: 0o400,
    O_TRUNC: 0o1000,
    O_APPEND: 0o2000,
    O_NONBLOCK: 0o4000,
    O_DSYNC,
    O_ASYNC: 0o20000,
    ...archBits(arch),
    O_NOATIME: 0o1000000,
    O_CLOEXEC: 0o2000000,
    O_PATH: 0o10000000,
  };
  return Object.entries(bits)
    .map(([name, bit]): [number, string] => [bit, name])
    .sort((a, b) => a[0] - b[0]);
}

/**
 * The names of open flags `flags`, `|`-joined, access mode first; bits without a name are shown
 * as one octal number at the end (`O_RDONLY|0100000000`). `arch` is Node's process.arch.
 */
export function openFlagNames(flags: number, arch: string = process.arch): string {
  const parts = [ACCESS[flags & O_ACCMODE]];
  let rest = flags & ~O_ACCMODE;
  const dir = archBits(arch).O_DIRECTORY;
  const tmpfile = (rest & (O_TMPFILE_BIT | dir)) === (O_TMPFILE_BIT | dir);
  const sync = (rest & (O_SYNC_BIT | O_DSYNC)) === (O_SYNC_BIT | O_DSYNC);
  if (tmpfile) rest &= ~(O_TMPFILE_BIT | dir);
  if (sync) rest &= ~(O_SYNC_BIT | O_DSYNC);
  for (const [bit, name] of bitNames(arch)) {
    if (rest & bit) {
      parts.push(name);
      rest &= ~bit;
    }
  }
  if (sync) parts.push('O_SYNC');
  if (tmpfile) parts.push('O_TMPFILE');
  if (rest) parts.push(`0${(rest >>> 0).toString(8)}`);
  return parts.join('|');
}
