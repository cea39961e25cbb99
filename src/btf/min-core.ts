/**
 * The smallest kernel BTF that gives an object's CO-RE relocations the results the whole kernel BTF
 * gives, for libbpf's `btf_custom_path`: libbpf then parses a few hundred bytes instead of the 5 MB
 * vmlinux BTF at every load. Kernel-independent: it takes the object's BTF and .BTF.ext and the target
 * BTF, and returns bytes.
 *
 * It keeps what libbpf's relocation matching reads, mirroring its rules: every target type with the
 * root type's kind and essential name (the name up to a `___flavor` suffix) is a candidate; a field
 * access keeps, per candidate, the members on the path (the first member of that name, found through
 * anonymous members as libbpf finds it) with their offsets, the arrays stepped through, and the shape
 * of the last field's type; every struct keeps its size and its last member, so flexible-array checks
 * see the same last member. Type and enum-value relocations keep whole candidates. Type ids change,
 * so an object asking for a kernel type id (bpf_core_type_id_kernel) gets no minimal BTF, nor does one
 * whose root type is missing from the target (libbpf would look in kernel modules then).
 */
import type { Btf } from './btf.js';
import type { BtfExt } from './ext.js';
import type { LazyBtf } from './lazy.js';
import { BTF_KIND, type BtfComposite, type BtfType } from './types.js';
import { writeBtf } from './write.js';

/** Relocation kinds (libbpf's enum bpf_core_relo_kind) by how they read the target. */
const FIELD_KINDS = new Set([0, 1, 2, 3, 4, 5]);
const TYPE_ID_LOCAL = 6;
const TYPE_ID_TARGET = 7;

/** Why no minimal BTF was made, or the bytes of one. */
export type MinimalCoreBtf = { btf: Uint8Array } | { skipped: string };

/**
 * A minimal copy of `target` for the CO-RE relocations in `ext` (relocations of the object whose BTF is
 * `local`), or why there is none: no relocations, a kernel type id asked for, a root type the target
 * lacks, or records this cannot follow.
 */
export function minimalCoreBtf(local: Btf, ext: BtfExt | undefined, target: LazyBtf): MinimalCoreBtf {
  const relos = (ext?.coreRelo ?? []).flatMap((s) => s.records);
  if (!relos.length) return { skipped: 'no CO-RE relocations' };
  const keep = new Keep(target);
  const cands = new Candidates(target);
  for (const r of relos) {
    if (r.kind === TYPE_ID_LOCAL) continue;
    if (r.kind === TYPE_ID_TARGET) return { skipped: 'a relocation asks for a kernel type id' };
    const root = local.types[r.typeId];
    if (!root || !root.name || root.kind === 'void') return { skipped: `relocation on type ${r.typeId}` };
    const found = cands.of(root);
    if (!found.length) return { skipped: `no ${root.kind} ${root.name} in the kernel BTF` };
    if (FIELD_KINDS.has(r.kind)) {
      const accessors = localAccessors(local, r.typeId, stringAt(local, r.accessStrOff));
      if (!accessors) return { skipped: `unreadable access string on ${root.name}` };
      for (const c of found) keep.fieldPath(c, accessors);
    } else for (const c of found) keep.full(c);
  }
  return { btf: keep.write() };
}

/** One step of a local access spec: a named member, or an array element (the first step is the root). */
type Accessor = { member: string } | { element: number };

/**
 * The accessors of access string `access` on local type `rootId`, as libbpf's spec parser makes them:
 * anonymous members are stepped through without an accessor. Undefined when the string does not fit.
 */
function localAccessors(local: Btf, rootId: number, access: string | undefined): Accessor[] | undefined {
  if (access === undefined || !/^\d+(:\d+)*$/.test(access)) return undefined;
  const idx = access.split(':').map(Number);
  const out: Accessor[] = [];
  let cur = rootId;
  for (const i of idx.slice(1)) {
    const t = local.resolve(cur);
    if (t.kind === 'struct' || t.kind === 'union') {
      const m = t.members[i];
      if (!m) return undefined;
      if (m.name) out.push({ member: m.name });
      cur = m.type;
    } else if (t.kind === 'array') {
      out.push({ element: i });
      cur = t.type;
    } else return undefined;
  }
  return out;
}

/** The string at `off` of `btf`'s string section. */
function stringAt(btf: Btf, off: number): string | undefined {
  if (off >= btf.strings.length) return undefined;
  const end = btf.strings.indexOf(0, off);
  return Buffer.from(btf.strings.subarray(off, end < 0 ? undefined : end)).toString('latin1');
}

/** A name up to its `___flavor` suffix, as libbpf's bpf_core_essential_name_len cuts it. */
export function essentialName(name: string): string {
  for (let i = name.length - 5; i >= 0; i--) {
    if (name[i] !== '_' && name.startsWith('___', i + 1) && name[i + 4] !== '_') return name.slice(0, i + 1);
  }
  return name;
}

/** The kinds libbpf lets match each other across BTFs (enum and enum64 do), by kind number. */
function kindClass(kind: number): number {
  return kind === BTF_KIND.enum64 ? BTF_KIND.enum : kind;
}

/** Target types by kind class and essential name, built once. */
class Candidates {
  private index?: Map<string, number[]>;

  constructor(private readonly target: LazyBtf) {}

  of(local: BtfType): number[] {
    if (!this.index) {
      this.index = new Map();
      for (let id = 1; id < this.target.count; id++) {
        const name = this.target.name(id);
        if (!name) continue;
        const key = `${kindClass(this.target.kind(id))} ${essentialName(name)}`;
        const l = this.index.get(key);
        if (l) l.push(id);
        else this.index.set(key, [id]);
      }
    }
    if (local.kind === 'void') return [];
    return this.index.get(`${kindClass(BTF_KIND[local.kind])} ${essentialName(local.name)}`) ?? [];
  }
}

const QUALIFIERS = new Set(['typedef', 'volatile', 'const', 'restrict', 'type_tag']);

/** The target types to keep: whole ('all'), or structs and unions with only some members. */
class Keep {
  private readonly kept = new Map<number, Set<number> | 'all'>();

  constructor(private readonly target: LazyBtf) {}

  /** Keeps `id` and what its shape needs: referenced types, structs reached only as a size and name. */
  shell(id: number): void {
    if (id === 0 || this.kept.has(id)) return;
    const t = this.target.type(id);
    this.kept.set(id, new Set());
    if (t.kind === 'struct' || t.kind === 'union') return;
    for (const r of references(t)) this.shell(r);
  }

  /** Keeps `id` with all members and everything it references, whole. */
  full(id: number): void {
    if (id === 0 || this.kept.get(id) === 'all') return;
    this.kept.set(id, 'all');
    for (const r of references(this.target.type(id))) this.full(r);
  }

  /** Keeps what matching `accessors` against candidate `cand` reads. */
  fieldPath(cand: number, accessors: Accessor[]): void {
    let cur = this.through(cand);
    for (const acc of accessors) {
      const t = this.target.type(cur);
      if ('member' in acc) {
        if (t.kind !== 'struct' && t.kind !== 'union') break;
        const next = this.member(t, acc.member);
        if (next === undefined) break;
        cur = this.through(next);
      } else {
        if (t.kind !== 'array') break;
        this.shell(cur);
        cur = this.through(t.type);
      }
    }
    this.shell(cur);
  }

  /**
   * Keeps the qualifier/typedef chain from `id`, returning the type under it (which the caller keeps
   * with what it reads of it).
   */
  private through(id: number): number {
    let cur = id;
    for (let guard = 0; guard < 64; guard++) {
      const t = this.target.type(cur);
      if (!QUALIFIERS.has(t.kind)) break;
      if (!this.kept.has(cur)) this.kept.set(cur, new Set());
      cur = (t as { type: number }).type;
    }
    return cur;
  }

  /**
   * Keeps the first member called `name` of composite `t`, looked for in order and inside anonymous
   * members as libbpf does, and the members leading to it; returns its type, undefined when absent.
   */
  private member(t: BtfComposite, name: string, depth = 0): number | undefined {
    if (depth > 32) return undefined;
    for (let i = 0; i < t.members.length; i++) {
      const m = t.members[i];
      if (m.name === name) {
        this.keepMember(t, i);
        return m.type;
      }
      if (m.name) continue;
      const inner = this.target.resolve(m.type);
      if (inner.kind !== 'struct' && inner.kind !== 'union') continue;
      const found = this.member(inner, name, depth + 1);
      if (found !== undefined) {
        this.keepMember(t, i);
        return found;
      }
    }
    return undefined;
  }

  private keepMember(t: BtfComposite, i: number): void {
    let set = this.kept.get(t.id);
    if (set === 'all') return;
    if (!set) this.kept.set(t.id, (set = new Set()));
    for (const j of [i, t.members.length - 1]) {
      if (set.has(j)) continue;
      set.add(j);
      this.shell(t.members[j].type);
    }
  }

  /** The kept types as raw BTF, in their original order, renumbered from 1. */
  write(): Uint8Array {
    const ids = [...this.kept.keys()].sort((a, b) => a - b);
    const newId = new Map<number, number>([[0, 0]]);
    ids.forEach((id, i) => newId.set(id, i + 1));
    const map = (id: number): number => newId.get(id) ?? 0;
    const out: BtfType[] = [{ id: 0, kind: 'void', name: '' }];
    for (const id of ids) out.push(renumber(this.target.type(id), this.kept.get(id)!, map));
    return writeBtf(out);
  }
}

/** The type ids `t` refers to (members, pointee, element and index, parameters…). */
function references(t: BtfType): number[] {
  const out: number[] = [];
  mapReferences(t, (id) => {
    out.push(id);
    return id;
  });
  return out;
}

/** A copy of `t` with references renumbered and, for a struct or union, only the kept members. */
function renumber(t: BtfType, kept: Set<number> | 'all', map: (id: number) => number): BtfType {
  if (kept === 'all' || (t.kind !== 'struct' && t.kind !== 'union')) return mapReferences(t, map);
  return mapReferences({ ...t, members: t.members.filter((_, i) => kept.has(i)) }, map);
}

/** A copy of `t` whose type references went through `map` (`t` itself when it has none). */
function mapReferences(t: BtfType, map: (id: number) => number): BtfType {
  switch (t.kind) {
    case 'struct':
    case 'union':
      return { ...t, members: t.members.map((m) => ({ ...m, type: map(m.type) })) };
    case 'ptr':
    case 'typedef':
    case 'volatile':
    case 'const':
    case 'restrict':
    case 'type_tag':
      return { ...t, type: map(t.type) };
    case 'array':
      return { ...t, type: map(t.type), indexType: map(t.indexType) };
    case 'func_proto':
      return {
        ...t,
        returnType: map(t.returnType),
        params: t.params.map((p) => ({ ...p, type: map(p.type) })),
      };
    default:
      return t;
  }
}
