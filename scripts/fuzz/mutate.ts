/**
 * Deterministic mutations of BPF objects for the object fuzzer: a seeded PRNG and mutators that flip
 * bits (anywhere, or aimed at the ELF header, the section header table, .BTF and .BTF.ext), truncate,
 * and corrupt section header fields, symbols, relocations, the BTF header, BTF type records (counts,
 * name offsets, vlen, sizes, type ids, self-references that make cycles) and .BTF.ext records.
 * Case `i` of seed `s` is always the same bytes, so every finding can be replayed by its index.
 */
import { btfTrailingBytes } from '../../src/btf/header.js';
import { ElfFile, SHT } from '../../src/elf/reader.js';

/** A small, fast, seedable PRNG (mulberry32). */
export class Rng {
  private s: number;
  constructor(seed: number) {
    this.s = seed >>> 0;
  }
  /** A uniform 32-bit unsigned integer. */
  u32(): number {
    let t = (this.s = (this.s + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  }
  /** An integer in [0, n). */
  below(n: number): number {
    return n <= 1 ? 0 : Math.floor((this.u32() / 0x100000000) * n);
  }
  pick<T>(xs: readonly T[]): T {
    return xs[this.below(xs.length)];
  }
}

/** The seed of case `index` of a run seeded with `seed` (splitmix-style mixing, so cases are independent). */
export function caseSeed(seed: number, index: number): number {
  let z = (Math.imul(seed >>> 0, 0x9e3779b1) + Math.imul(index + 1, 0x85ebca77)) >>> 0;
  z = Math.imul(z ^ (z >>> 16), 0x7feb352d) >>> 0;
  z = Math.imul(z ^ (z >>> 15), 0x846ca68b) >>> 0;
  return (z ^ (z >>> 16)) >>> 0;
}

interface Range {
  off: number;
  len: number;
}

/** Where the interesting structures of a (valid) corpus object are, found once per object. */
export interface Layout {
  name: string;
  bytes: Uint8Array;
  /** Section header table entries: offset of each header, with the section's name. */
  headers: { at: number; name: string }[];
  btf?: Range;
  /** Offsets (absolute) of each BTF type record, with its kind number and vlen. */
  btfTypes: { at: number; kind: number; vlen: number }[];
  ext?: Range;
  symtab?: Range;
  rels: Range[];
}

/** Reads the layout of a valid object (the corpus is compiled by clang, so this does not fail). */
export function layoutOf(name: string, bytes: Uint8Array): Layout {
  const elf = new ElfFile(bytes);
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const shoff = Number(dv.getBigUint64(40, true));
  const sec = (n: string): Range | undefined => {
    const s = elf.section(n);
    return s ? { off: s.offset, len: s.size } : undefined;
  };
  const symtab = elf.sections.find((s) => s.type === SHT.SYMTAB);
  const layout: Layout = {
    name,
    bytes,
    headers: elf.sections.map((s, i) => ({ at: shoff + i * 64, name: s.name })),
    btf: sec('.BTF'),
    btfTypes: [],
    ext: sec('.BTF.ext'),
    symtab: symtab && { off: symtab.offset, len: symtab.size },
    rels: elf.sections.filter((s) => s.type === SHT.REL).map((s) => ({ off: s.offset, len: s.size })),
  };
  if (layout.btf) {
    const b = layout.btf.off;
    const hdr = dv.getUint32(b + 4, true);
    let o = b + hdr + dv.getUint32(b + 8, true);
    const end = o + dv.getUint32(b + 12, true);
    while (o + 12 <= end) {
      const info = dv.getUint32(o + 4, true);
      const kind = (info >>> 24) & 0x1f;
      const vlen = info & 0xffff;
      layout.btfTypes.push({ at: o, kind, vlen });
      o += 12 + btfTrailingBytes(kind, vlen);
    }
  }
  return layout;
}

/** A mutated object and what was done to it. */
export interface Mutant {
  bytes: Uint8Array;
  what: string;
}

type Mutator = (l: Layout, b: Uint8Array, r: Rng) => string;

const u32Values = (r: Rng, len: number, ids: number): number[] => [
  0,
  1,
  0x7f,
  0xff,
  0xffff,
  0x7fffffff,
  0x80000000,
  0xffffffff,
  len,
  len + 1,
  len - 1,
  ids,
  ids + 1,
  r.u32(),
  r.below(4096),
];

function setU32(b: Uint8Array, at: number, v: number): void {
  if (at >= 0 && at + 4 <= b.length) new DataView(b.buffer, b.byteOffset).setUint32(at, v >>> 0, true);
}
function setU64(b: Uint8Array, at: number, v: bigint): void {
  if (at >= 0 && at + 8 <= b.length)
    new DataView(b.buffer, b.byteOffset).setBigUint64(at, BigInt.asUintN(64, v), true);
}
function flip(b: Uint8Array, r: Rng, range: Range, n: number): void {
  for (let k = 0; k < n && range.len > 0; k++) {
    const at = range.off + r.below(range.len);
    if (at < b.length) b[at] ^= 1 << r.below(8);
  }
}
const hex = (v: number | bigint): string => `0x${v.toString(16)}`;

const bitFlips: Mutator = (l, b, r) => {
  const n = r.pick([1, 1, 2, 3, 8, 32]);
  flip(b, r, { off: 0, len: b.length }, n);
  return `flip ${n} random bit(s)`;
};

const targetedFlips: Mutator = (l, b, r) => {
  const targets: [string, Range | undefined][] = [
    ['ELF header', { off: 0, len: 64 }],
    ['section headers', { off: l.headers[0].at, len: l.headers.length * 64 }],
    ['.BTF', l.btf],
    ['.BTF.ext', l.ext],
    ['.symtab', l.symtab],
  ];
  const [name, range] = r.pick(targets.filter(([, x]) => x));
  const n = r.pick([1, 2, 4, 8]);
  flip(b, r, range!, n);
  return `flip ${n} bit(s) in the ${name}`;
};

const truncate: Mutator = (l, b, r) => {
  const len = r.pick([r.below(b.length), r.below(64), b.length - 1 - r.below(64)]);
  return `truncate to ${Math.max(0, len)} bytes|${Math.max(0, len)}`;
};

const SH_FIELDS: [string, number, 4 | 8][] = [
  ['sh_name', 0, 4],
  ['sh_type', 4, 4],
  ['sh_flags', 8, 8],
  ['sh_offset', 24, 8],
  ['sh_size', 32, 8],
  ['sh_link', 40, 4],
  ['sh_info', 44, 4],
  ['sh_entsize', 56, 8],
];

const sectionHeaderField: Mutator = (l, b, r) => {
  const h = r.pick(l.headers);
  const [field, off, size] = r.pick(SH_FIELDS);
  const v = r.pick(u32Values(r, b.length, l.headers.length));
  if (size === 4) setU32(b, h.at + off, v);
  else {
    const big = r.pick([
      BigInt(v),
      1n << 63n,
      (1n << 64n) - 1n,
      BigInt(Number.MAX_SAFE_INTEGER) + 1n,
      BigInt(b.length),
    ]);
    setU64(b, h.at + off, big);
    return `${field} of section ${h.name} = ${hex(big)}`;
  }
  return `${field} of section ${h.name} = ${hex(v)}`;
};

const elfHeaderField: Mutator = (l, b, r) => {
  const fields: [string, number, 2 | 8][] = [
    ['e_shoff', 40, 8],
    ['e_shentsize', 58, 2],
    ['e_shnum', 60, 2],
    ['e_shstrndx', 62, 2],
    ['e_machine', 18, 2],
  ];
  const [field, off, size] = r.pick(fields);
  if (b.length < 64) return 'ELF header already truncated';
  const dv = new DataView(b.buffer, b.byteOffset);
  const v = r.pick([0, 1, 0xffff, l.headers.length + 1, l.headers.length - 1, r.below(0x10000)]);
  if (size === 2) dv.setUint16(off, v, true);
  else setU64(b, off, r.pick([BigInt(v), BigInt(b.length - 64), (1n << 64n) - 1n]));
  return `${field} of the ELF header changed`;
};

const btfHeaderField: Mutator = (l, b, r) => {
  if (!l.btf) return bitFlips(l, b, r);
  const [field, off] = r.pick([
    ['hdr_len', 4],
    ['type_off', 8],
    ['type_len', 12],
    ['str_off', 16],
    ['str_len', 20],
  ] as const);
  const v = r.pick(u32Values(r, l.btf.len, l.btfTypes.length));
  setU32(b, l.btf.off + off, v);
  return `BTF header ${field} = ${hex(v)}`;
};

const btfTypeField: Mutator = (l, b, r) => {
  if (!l.btfTypes.length) return bitFlips(l, b, r);
  const idx = r.below(l.btfTypes.length);
  const t = l.btfTypes[idx];
  const id = idx + 1;
  // Read the original record: earlier rounds may have truncated `b`.
  const info = new DataView(l.bytes.buffer, l.bytes.byteOffset).getUint32(t.at + 4, true);
  switch (r.below(6)) {
    case 0: {
      const v = r.pick(u32Values(r, 0x10000, l.btfTypes.length));
      setU32(b, t.at, v);
      return `BTF type ${id} name_off = ${hex(v)}`;
    }
    case 1: {
      const vlen = r.pick([0, 1, t.vlen + 1, 0xffff, r.below(0x10000)]);
      setU32(b, t.at + 4, (info & ~0xffff) | vlen);
      return `BTF type ${id} vlen = ${vlen}`;
    }
    case 2: {
      const kind = r.below(32);
      setU32(b, t.at + 4, (info & ~(0x1f << 24)) | (kind << 24));
      return `BTF type ${id} kind = ${kind}`;
    }
    case 3: {
      // size_or_type: a self-reference makes a cycle (typedef/const/ptr to itself).
      const v = r.pick([
        id,
        id,
        0xffffffff,
        l.btfTypes.length + 1,
        r.below(l.btfTypes.length + 1),
        0x7fffffff,
      ]);
      setU32(b, t.at + 8, v);
      return `BTF type ${id} size/type = ${v}`;
    }
    case 4: {
      // A member, param, array element or variable type id inside the record's extra data.
      const extra = btfTrailingBytes(t.kind, t.vlen);
      if (extra === 0) {
        setU32(b, t.at + 8, id);
        return `BTF type ${id} refers to itself`;
      }
      const stride =
        t.kind === 6 || t.kind === 13 ? 8 : t.kind === 1 || t.kind === 14 || t.kind === 17 ? 4 : 12;
      const rec = r.below(Math.max(1, extra / stride));
      const field = r.below(stride / 4);
      const v = r.pick([id, 0xffffffff, r.below(l.btfTypes.length + 2), 0x7fffffff, r.u32()]);
      setU32(b, t.at + 12 + rec * stride + field * 4, v);
      return `BTF type ${id} record ${rec} field ${field} = ${hex(v)}`;
    }
    default: {
      // Array element count / type: huge arrays and arrays of themselves.
      const arrays = l.btfTypes.filter((x) => x.kind === 3);
      if (!arrays.length) return `BTF type ${id} unchanged`;
      const a = r.pick(arrays);
      const aid = l.btfTypes.indexOf(a) + 1;
      if (r.below(2)) {
        const n = r.pick([0xffffffff, 0x10000000, 0x7fffffff, r.u32()]);
        setU32(b, a.at + 20, n);
        return `BTF array ${aid} nelems = ${n}`;
      }
      setU32(b, a.at + 12, aid);
      return `BTF array ${aid} is an array of itself`;
    }
  }
};

const extField: Mutator = (l, b, r) => {
  if (!l.ext) return bitFlips(l, b, r);
  const at = l.ext.off + 4 * r.below(Math.floor(l.ext.len / 4));
  const v = r.pick(u32Values(r, l.ext.len, l.btfTypes.length));
  setU32(b, at, v);
  return `.BTF.ext word at +${at - l.ext.off} = ${hex(v)}`;
};

const symbolField: Mutator = (l, b, r) => {
  if (!l.symtab) return bitFlips(l, b, r);
  const n = Math.floor(l.symtab.len / 24);
  const at = l.symtab.off + 24 * r.below(n);
  const [field, off, size] = r.pick([
    ['st_name', 0, 4],
    ['st_info', 4, 1],
    ['st_shndx', 6, 2],
    ['st_value', 8, 8],
    ['st_size', 16, 8],
  ] as const);
  const v = r.pick(u32Values(r, b.length, l.headers.length));
  if (size === 8) setU64(b, at + off, r.pick([BigInt(v), (1n << 64n) - 1n, 3n, 1n << 40n]));
  else if (size === 4) setU32(b, at + off, v);
  else if (size === 2 && at + off + 2 <= b.length)
    new DataView(b.buffer, b.byteOffset).setUint16(at + off, v & 0xffff, true);
  else if (size === 1 && at + off < b.length) b[at + off] = v & 0xff;
  return `${field} of symbol ${(at - l.symtab.off) / 24} changed`;
};

const relocationField: Mutator = (l, b, r) => {
  if (!l.rels.length) return bitFlips(l, b, r);
  const rel = r.pick(l.rels);
  const at = rel.off + 16 * r.below(Math.max(1, Math.floor(rel.len / 16)));
  if (r.below(2)) setU64(b, at, r.pick([(1n << 64n) - 1n, 4n, BigInt(r.u32()), 1n << 32n]));
  else setU32(b, at + 12, r.pick([0xffffffff, r.below(64), r.u32()]));
  return `relocation at ${at} corrupted`;
};

const zeroOrCopy: Mutator = (l, b, r) => {
  const len = 1 + r.below(64);
  const dst = r.below(Math.max(1, b.length - len));
  if (r.below(2)) {
    b.fill(0, dst, dst + len);
    return `zero ${len} bytes at ${dst}`;
  }
  const src = r.below(Math.max(1, b.length - len));
  b.copyWithin(dst, src, src + len);
  return `copy ${len} bytes from ${src} to ${dst}`;
};

const MUTATORS: [Mutator, number][] = [
  [bitFlips, 12],
  [targetedFlips, 20],
  [truncate, 8],
  [sectionHeaderField, 12],
  [elfHeaderField, 4],
  [btfHeaderField, 6],
  [btfTypeField, 16],
  [extField, 8],
  [symbolField, 6],
  [relocationField, 4],
  [zeroOrCopy, 4],
];
const TOTAL = MUTATORS.reduce((n, [, w]) => n + w, 0);

function pickMutator(r: Rng): Mutator {
  let x = r.below(TOTAL);
  for (const [m, w] of MUTATORS) {
    if (x < w) return m;
    x -= w;
  }
  return bitFlips;
}

/** Case `index` of a run seeded with `seed` over `corpus`: a copy of one object, mutated 1–3 times. */
export function mutant(corpus: Layout[], seed: number, index: number): Mutant {
  const r = new Rng(caseSeed(seed, index));
  const l = corpus[r.below(corpus.length)];
  let b = Uint8Array.from(l.bytes);
  const rounds = r.pick([1, 1, 1, 2, 3]);
  const what: string[] = [];
  for (let k = 0; k < rounds; k++) {
    const w = pickMutator(r)(l, b, r);
    const cut = w.split('|');
    if (cut.length === 2) b = b.slice(0, Number(cut[1]));
    what.push(cut[0]);
  }
  return { bytes: b, what: `${l.name}: ${what.join('; ')}` };
}
