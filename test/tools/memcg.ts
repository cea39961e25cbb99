/**
 * A memory-limited cgroup for the tests of oomkill and drsnoop: cgroup v2's memory.max (swap.max 0)
 * where the v2 hierarchy has the memory controller, else cgroup v1's memory.limit_in_bytes (this
 * machine's hybrid layout binds the memory controller to v1). Needs root.
 */
import { existsSync, mkdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** A cgroup with a memory limit. */
export interface MemCgroup {
  dir: string;
  /** Moves process `pid` into it. */
  add(pid: number): void;
  /** Removes it (its processes must be gone). */
  remove(): void;
}

const V2 = '/sys/fs/cgroup/unified';
const V1 = '/sys/fs/cgroup/memory';

function v2HasMemory(): boolean {
  try {
    return readFileSync(join(V2, 'cgroup.controllers'), 'utf8').split(/\s+/).includes('memory');
  } catch {
    return false;
  }
}

/** Creates cgroup `name` limited to `bytes` of memory (no swap). */
export function memoryCgroup(name: string, bytes: number): MemCgroup {
  const v2 = v2HasMemory();
  const dir = join(v2 ? V2 : V1, name);
  mkdirSync(dir);
  if (v2) {
    writeFileSync(join(dir, 'memory.max'), String(bytes));
    if (existsSync(join(dir, 'memory.swap.max'))) writeFileSync(join(dir, 'memory.swap.max'), '0');
  } else {
    writeFileSync(join(dir, 'memory.limit_in_bytes'), String(bytes));
  }
  return {
    dir,
    add: (pid) => writeFileSync(join(dir, 'cgroup.procs'), String(pid)),
    remove: () => rmdirSync(dir),
  };
}
