/**
 * Opening an object with libbpf (bpf_object__open_mem) from its bytes, as often as a failed load
 * needs it reopened. Needs libbpf.so.1; checks a --btf / BPFKIT_BTF file up front, since libbpf's own
 * error for a bad one does not name it.
 */
import { readFileSync } from 'node:fs';
import { readBtfHeader } from '../btf/header.js';
import { FormatError, NotFoundError, ReadError } from '../errors/index.js';
import { libbpf, type BpfObjectPtr } from '../sys/libbpf.js';
import { withLog } from '../sys/libbpf-log.js';
import { errno } from '../sys/libc.js';

/**
 * A function that opens the object in libbpf, each call a fresh bpf_object. `name` is what the kernel
 * shows (cut to 15 characters); `btfPath` the kernel BTF for CO-RE when not /sys/kernel/btf/vmlinux.
 */
export function libbpfOpener(data: Uint8Array, name: string, btfPath?: string): () => BpfObjectPtr {
  const lib = libbpf();
  // libbpf reads the buffer only during open; a private copy keeps it alive for every reopen.
  const buf = Buffer.from(data);
  return () => {
    const { result: obj, log } = withLog(() =>
      lib.openMem(buf, buf.length, {
        sz: 0,
        object_name: name.slice(0, 15),
        relaxed_maps: false,
        pin_root_path: null,
        kconfig: null,
        btf_custom_path: btfPath ?? null,
        kernel_log_buf: null,
        kernel_log_size: 0,
        kernel_log_level: 0,
      }),
    );
    if (!obj) throw new FormatError(`libbpf cannot open the object: ${lastError(log) ?? `errno ${errno()}`}`);
    return obj;
  };
}

/** Reads an object file; a missing or unreadable one is one sentence naming it. */
export function readObjectFile(path: string): Uint8Array {
  try {
    return readFileSync(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new NotFoundError(`${path}: no such file`, { what: 'file', key: path });
    throw new ReadError(`cannot read ${path}: ${code ?? (e as Error).message}`, { path, code });
  }
}

/** Fails early, in one sentence, when the BTF file given for CO-RE is missing or not BTF. */
export function checkBtfFile(path: string, what: string): void {
  let data: Uint8Array;
  try {
    data = readObjectFile(path);
  } catch (e) {
    throw new ReadError(`${what}: ${(e as Error).message}`, { path }, { cause: e });
  }
  try {
    readBtfHeader(data);
  } catch (e) {
    throw new FormatError(`${what}: ${path} is not a BTF file (${(e as Error).message})`);
  }
}

function lastError(log: string): string | undefined {
  return log
    .split('\n')
    .filter((l) => l.trim())
    .at(-1)
    ?.replace(/^libbpf: /, '');
}
