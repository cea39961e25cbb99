/**
 * CO-RE relocations of an object's code from .BTF.ext, described the way libbpf's debug log speaks of
 * them: the relocation kind, the root type, and the field, type or enumerator the access string
 * selects (`struct task_struct.real_parent`, `enum pid_type::PIDTYPE_TGID`). Kernel-independent.
 */
import type { Btf } from '../btf/btf.js';
import { CORE_RELO_KIND, type BtfExt, type CoreRelo } from '../btf/ext.js';
import { btfString } from '../asm/listing.js';
import { BpfkitError } from '../errors/index.js';
import type { CoreReloReport } from './types.js';

const FIELD_KINDS = 6; // field_byte_offset .. field_rshift_u64
const ENUMVAL_KINDS = new Set([10, 11]);

/** CO-RE relocation records by the name of the code section they belong to. */
export function coreRelosBySection(btf: Btf, ext: BtfExt | undefined): Map<string, CoreRelo[]> {
  const out = new Map<string, CoreRelo[]>();
  for (const sec of ext?.coreRelo ?? []) {
    const name = btfString(btf, sec.sectionNameOff);
    if (name === undefined) continue;
    out.set(name, [...(out.get(name) ?? []), ...sec.records]);
  }
  return out;
}

/** Describes one CO-RE relocation record of `btf`. Never throws on malformed records: unknowns show `?`. */
export function describeCoreRelo(btf: Btf, r: CoreRelo): CoreReloReport {
  const access = btfString(btf, r.accessStrOff) ?? '';
  let type = '?';
  let spec = '?';
  try {
    type = btf.typeName(r.typeId);
    spec = accessSpec(btf, r, access) ?? `${type} (bad access "${access}")`;
  } catch (e) {
    if (!(e instanceof BpfkitError)) throw e;
  }
  return {
    insn: r.insnOff,
    kind: CORE_RELO_KIND[r.kind] ?? `kind#${r.kind}`,
    typeId: r.typeId,
    type,
    access,
    spec,
  };
}

/** The C-like path the access string selects, or undefined when it does not fit the type. */
function accessSpec(btf: Btf, r: CoreRelo, access: string): string | undefined {
  const root = btf.typeName(r.typeId);
  if (!/^\d+(:\d+)*$/.test(access)) return undefined;
  const idx = access.split(':').map(Number);
  if (r.kind >= FIELD_KINDS && !ENUMVAL_KINDS.has(r.kind)) return root;
  if (ENUMVAL_KINDS.has(r.kind)) {
    const t = btf.resolve(r.typeId);
    if ((t.kind !== 'enum' && t.kind !== 'enum64') || idx.length !== 1 || idx[0] >= t.values.length)
      return undefined;
    return `${root}::${t.values[idx[0]].name}`;
  }
  // Field access: the first index steps over the root pointer as an array, the rest name members
  // (structs and unions) or elements (arrays).
  let path = root + (idx[0] ? `[${idx[0]}]` : '');
  let cur = r.typeId;
  for (const i of idx.slice(1)) {
    const t = btf.resolve(cur);
    if (t.kind === 'struct' || t.kind === 'union') {
      const m = t.members[i];
      if (!m) return undefined;
      if (m.name) path += `.${m.name}`;
      cur = m.type;
    } else if (t.kind === 'array') {
      path += `[${i}]`;
      cur = t.type;
    } else return undefined;
  }
  return path;
}
