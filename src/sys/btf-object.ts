/**
 * BTF objects loaded in the kernel, fetched by id and parsed (a map's or program's types, module BTF).
 * Needs CAP_SYS_ADMIN (or CAP_BPF) to open an id.
 */
import { closeFd, fdById } from './bpf.js';
import { btfInfo } from './objinfo.js';
import { Btf } from '../btf/btf.js';
import { NotFoundError } from '../errors/index.js';

const cache = new Map<number, Btf>();

/**
 * The kernel BTF object `id`, parsed. Module BTF (kernel, not vmlinux) is split BTF and is parsed on
 * top of the running kernel's vmlinux BTF; BTF loaded along with programs is standalone. Cached per
 * id (BTF objects are immutable and ids are not reused while they live).
 */
export function loadBtfById(id: number): Btf {
  const hit = cache.get(id);
  if (hit) return hit;
  const fd = fdById('btf', id);
  if (fd === undefined)
    throw new NotFoundError(`BTF object ${id} does not exist`, { what: 'BTF object', id });
  try {
    const info = btfInfo(fd, true);
    const data = info.data ?? new Uint8Array();
    const btf = info.kernel && info.name !== 'vmlinux' ? new Btf(data, Btf.kernel()) : new Btf(data);
    cache.set(id, btf);
    return btf;
  } finally {
    closeFd(fd);
  }
}
