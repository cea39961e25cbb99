/**
 * Encodes BTF types (the model of types.ts) into a raw BTF blob, as libbpf and the kernel read it:
 * header, type section, string section (include/uapi/linux/btf.h). Kernel-independent. Written here
 * because no JavaScript library writes BTF; it is the inverse of parse.ts.
 */
import { BTF_MAGIC } from './header.js';
import { BTF_KIND, type BtfType } from './types.js';
import { FormatError } from '../errors/index.js';

const HEADER_LEN = 24;

/** Deduplicated string section; offset 0 is the empty string. */
class Strings {
  private readonly offsets = new Map<string, number>([['', 0]]);
  private readonly parts: Buffer[] = [Buffer.alloc(1)];
  private length = 1;

  offset(s: string): number {
    let off = this.offsets.get(s);
    if (off === undefined) {
      off = this.length;
      const bytes = Buffer.from(`${s}\0`, 'latin1');
      this.parts.push(bytes);
      this.length += bytes.length;
      this.offsets.set(s, off);
    }
    return off;
  }

  bytes(): Buffer {
    return Buffer.concat(this.parts);
  }
}

/** Growable little-endian u32 writer. */
class Words {
  private buf = Buffer.alloc(4096);
  length = 0;

  u32(v: number): void {
    if (this.length + 4 > this.buf.length) {
      const bigger = Buffer.alloc(this.buf.length * 2);
      this.buf.copy(bigger);
      this.buf = bigger;
    }
    this.buf.writeUInt32LE(v >>> 0, this.length);
    this.length += 4;
  }

  bytes(): Buffer {
    return this.buf.subarray(0, this.length);
  }
}

/**
 * Raw BTF holding `types` with ids as their indexes: `types[0]` is void and is not written, every
 * reference (member, pointee, parameter…) must be an index into `types`. Names are written as they
 * are, except void's. Throws FormatError for a kind that cannot be encoded.
 */
export function writeBtf(types: readonly BtfType[]): Uint8Array {
  const strs = new Strings();
  const w = new Words();
  for (const t of types.slice(1)) writeType(t, w, strs);
  const typeBytes = w.bytes();
  const strBytes = strs.bytes();
  const header = Buffer.alloc(HEADER_LEN);
  header.writeUInt16LE(BTF_MAGIC, 0);
  header.writeUInt8(1, 2); // version
  header.writeUInt8(0, 3); // flags
  header.writeUInt32LE(HEADER_LEN, 4);
  header.writeUInt32LE(0, 8); // type_off
  header.writeUInt32LE(typeBytes.length, 12);
  header.writeUInt32LE(typeBytes.length, 16); // str_off
  header.writeUInt32LE(strBytes.length, 20);
  return Buffer.concat([header, typeBytes, strBytes]);
}

function info(kind: keyof typeof BTF_KIND, vlen: number, kflag: boolean): number {
  return ((kflag ? 1 : 0) << 31) | (BTF_KIND[kind] << 24) | (vlen & 0xffff);
}

function writeType(t: BtfType, w: Words, strs: Strings): void {
  const head = (vlen: number, kflag: boolean, sizeOrType: number): void => {
    w.u32(strs.offset(t.name));
    w.u32(info(t.kind as keyof typeof BTF_KIND, vlen, kflag));
    w.u32(sizeOrType);
  };
  switch (t.kind) {
    case 'int':
      head(0, false, t.size);
      w.u32(
        (((t.signed ? 1 : 0) | (t.char ? 2 : 0) | (t.bool ? 4 : 0)) << 24) | (t.bitOffset << 16) | t.bits,
      );
      return;
    case 'float':
      head(0, false, t.size);
      return;
    case 'ptr':
    case 'typedef':
    case 'volatile':
    case 'const':
    case 'restrict':
    case 'type_tag':
      head(0, false, t.type);
      return;
    case 'fwd':
      head(0, t.union, 0);
      return;
    case 'array':
      head(0, false, 0);
      w.u32(t.type);
      w.u32(t.indexType);
      w.u32(t.nelems);
      return;
    case 'struct':
    case 'union': {
      const kflag = t.members.some((m) => m.bitfieldSize > 0);
      head(t.members.length, kflag, t.size);
      for (const m of t.members) {
        w.u32(strs.offset(m.name));
        w.u32(m.type);
        w.u32(kflag ? (m.bitfieldSize << 24) | m.bitOffset : m.bitOffset);
      }
      return;
    }
    case 'enum':
      head(t.values.length, t.signed, t.size);
      for (const v of t.values) {
        w.u32(strs.offset(v.name));
        w.u32(Number(BigInt.asUintN(32, v.value)));
      }
      return;
    case 'enum64':
      head(t.values.length, t.signed, t.size);
      for (const v of t.values) {
        const u = BigInt.asUintN(64, v.value);
        w.u32(strs.offset(v.name));
        w.u32(Number(u & 0xffffffffn));
        w.u32(Number(u >> 32n));
      }
      return;
    case 'func_proto':
      head(t.params.length, false, t.returnType);
      for (const p of t.params) {
        w.u32(strs.offset(p.name));
        w.u32(p.type);
      }
      return;
    default:
      throw new FormatError(`cannot write BTF kind ${t.kind}`);
  }
}
