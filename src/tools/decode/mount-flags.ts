/**
 * Names of the flags and commands of mount(2), umount2(2) and the new mount API (fsopen(2),
 * fsconfig(2), fsmount(2), move_mount(2)), from the kernel's UAPI <linux/mount.h> and
 * <sys/mount.h>, joined as mountsnoop prints them (`MS_BIND | MS_REC`, `0x0` for none, the hex of
 * bits without a name last). No kernel needed.
 */

type Table = readonly (readonly [bit: number, name: string])[];

const MS: Table = [
  [1, 'MS_RDONLY'],
  [2, 'MS_NOSUID'],
  [4, 'MS_NODEV'],
  [8, 'MS_NOEXEC'],
  [16, 'MS_SYNCHRONOUS'],
  [32, 'MS_REMOUNT'],
  [64, 'MS_MANDLOCK'],
  [128, 'MS_DIRSYNC'],
  [256, 'MS_NOSYMFOLLOW'],
  [1024, 'MS_NOATIME'],
  [2048, 'MS_NODIRATIME'],
  [4096, 'MS_BIND'],
  [8192, 'MS_MOVE'],
  [16384, 'MS_REC'],
  [32768, 'MS_SILENT'],
  [1 << 16, 'MS_POSIXACL'],
  [1 << 17, 'MS_UNBINDABLE'],
  [1 << 18, 'MS_PRIVATE'],
  [1 << 19, 'MS_SLAVE'],
  [1 << 20, 'MS_SHARED'],
  [1 << 21, 'MS_RELATIME'],
  [1 << 22, 'MS_KERNMOUNT'],
  [1 << 23, 'MS_I_VERSION'],
  [1 << 24, 'MS_STRICTATIME'],
  [1 << 25, 'MS_LAZYTIME'],
  [1 << 26, 'MS_SUBMOUNT'],
  [1 << 27, 'MS_NOREMOTELOCK'],
  [1 << 28, 'MS_NOSEC'],
  [1 << 29, 'MS_BORN'],
  [1 << 30, 'MS_ACTIVE'],
  [2 ** 31, 'MS_NOUSER'],
];

const UMOUNT: Table = [
  [1, 'MNT_FORCE'],
  [2, 'MNT_DETACH'],
  [4, 'MNT_EXPIRE'],
  [8, 'UMOUNT_NOFOLLOW'],
];

const FSOPEN: Table = [[1, 'FSOPEN_CLOEXEC']];
const FSMOUNT: Table = [[1, 'FSMOUNT_CLOEXEC']];

const MOUNT_ATTR: Table = [
  [0x1, 'MOUNT_ATTR_RDONLY'],
  [0x2, 'MOUNT_ATTR_NOSUID'],
  [0x4, 'MOUNT_ATTR_NODEV'],
  [0x8, 'MOUNT_ATTR_NOEXEC'],
  [0x10, 'MOUNT_ATTR_NOATIME'],
  [0x20, 'MOUNT_ATTR_STRICTATIME'],
  [0x80, 'MOUNT_ATTR_NODIRATIME'],
  [0x100000, 'MOUNT_ATTR_IDMAP'],
  [0x200000, 'MOUNT_ATTR_NOSYMFOLLOW'],
];

const MOVE_MOUNT: Table = [
  [0x1, 'MOVE_MOUNT_F_SYMLINKS'],
  [0x2, 'MOVE_MOUNT_F_AUTOMOUNTS'],
  [0x4, 'MOVE_MOUNT_F_EMPTY_PATH'],
  [0x10, 'MOVE_MOUNT_T_SYMLINKS'],
  [0x20, 'MOVE_MOUNT_T_AUTOMOUNTS'],
  [0x40, 'MOVE_MOUNT_T_EMPTY_PATH'],
  [0x100, 'MOVE_MOUNT_SET_GROUP'],
  [0x200, 'MOVE_MOUNT_BENEATH'],
];

const FSCONFIG_CMDS = [
  'FSCONFIG_SET_FLAG',
  'FSCONFIG_SET_STRING',
  'FSCONFIG_SET_BINARY',
  'FSCONFIG_SET_PATH',
  'FSCONFIG_SET_PATH_EMPTY',
  'FSCONFIG_SET_FD',
  'FSCONFIG_CMD_CREATE',
  'FSCONFIG_CMD_RECONFIGURE',
  'FSCONFIG_CMD_CREATE_EXCL',
];

/** The low 32 bits of `flags` by name from `table`, ' | '-joined; `0x0` for none. */
function names(table: Table, flags: number | bigint): string {
  let rest = Number(BigInt(flags) & 0xffffffffn);
  if (rest === 0) return '0x0';
  const out: string[] = [];
  for (const [bit, name] of table) {
    if ((rest & bit) >>> 0 === bit) {
      out.push(name);
      rest = (rest & ~bit) >>> 0;
    }
  }
  if (rest) out.push(`0x${rest.toString(16)}`);
  return out.join(' | ');
}

/** The flags of mount(2) (`MS_*`). */
export const mountFlagNames = (flags: number | bigint): string => names(MS, flags);
/** The flags of umount2(2) (`MNT_*`, `UMOUNT_NOFOLLOW`). */
export const umountFlagNames = (flags: number | bigint): string => names(UMOUNT, flags);
/** The flags of fsopen(2). */
export const fsopenFlagNames = (flags: number | bigint): string => names(FSOPEN, flags);
/** The flags of fsmount(2). */
export const fsmountFlagNames = (flags: number | bigint): string => names(FSMOUNT, flags);
/** The attribute flags of fsmount(2) (`MOUNT_ATTR_*`). */
export const mountAttrNames = (flags: number | bigint): string => names(MOUNT_ATTR, flags);
/** The flags of move_mount(2) (`MOVE_MOUNT_*`). */
export const moveMountFlagNames = (flags: number | bigint): string => names(MOVE_MOUNT, flags);

/** The command of fsconfig(2) by name, `UNKNOWN` when it has none. */
export function fsconfigCmdName(cmd: number): string {
  return FSCONFIG_CMDS[cmd] ?? 'UNKNOWN';
}
