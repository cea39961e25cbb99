/** Writes vmlinux.h for the running kernel with bpfkit's own BTF-to-C dumper. */
import { writeFileSync } from 'node:fs';
import { Btf } from '../../src/btf/btf.js';
import { formatC } from '../../src/btf/format-c.js';

/** Generates the header from /sys/kernel/btf/vmlinux into `path`. */
export function writeVmlinuxHeader(path: string): void {
  writeFileSync(path, formatC(Btf.kernel()));
}
