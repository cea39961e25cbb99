/**
 * The raw BTF listing, line for line as `bpftool btf dump file X` (format raw) prints it: one
 * `[id] KIND 'name' key=value…` line per type, members, enumerators and parameters indented with a
 * tab below it. For split BTF only the blob's own types are listed, as bpftool does. Kernel-independent.
 */
import type { Btf } from './btf.js';
import { BtfTable, K } from './format-c-table.js';
import { ByteWriter } from './format-c-writer.js';

const KIND_NAMES = [
  'UNKNOWN',
  'INT',
  'PTR',
  'ARRAY',
  'STRUCT',
  'UNION',
  'ENUM',
  'FWD',
  'TYPEDEF',
  'VOLATILE',
  'CONST',
  'RESTRICT',
  'FUNC',
  'FUNC_PROTO',
  'VAR',
  'DATASEC',
  'FLOAT',
  'DECL_TAG',
  'TYPE_TAG',
  'ENUM64',
];
const INT_ENCODINGS: Record<number, string> = { 0: '(none)', 1: 'SIGNED', 2: 'CHAR', 4: 'BOOL' };
const LINKAGE = ['static', 'global', 'extern'];

/** Lists every type of `btf` in bpftool's raw format. */
export function formatRaw(btf: Btf | BtfTable): string {
  return rawWriter(btf).text();
}

/** formatRaw as latin1 bytes (byte-exact names), ready to write. */
export function formatRawBytes(btf: Btf | BtfTable): Uint8Array {
  return rawWriter(btf).bytes();
}

function rawWriter(btf: Btf | BtfTable): ByteWriter {
  const t = btf instanceof BtfTable ? btf : BtfTable.fromBtf(btf);
  // The listing is about twice the size of the BTF.
  const w = new ByteWriter(Math.max(1 << 16, 2 * (t.u32.length * 4 + t.strBytes.length)));
  const { u32, start, kinds, strBytes } = t;
  /** Writes `'name'`, or `'(anon)'` for an empty name. */
  const quoted = (off: number): void => {
    w.c(39);
    if (off) w.z(strBytes, off);
    else w.s('(anon)');
    w.c(39);
  };
  const kv = (key: string, v: number): void => {
    w.s(key);
    w.n(v);
  };
  for (let id = t.firstId; id < t.count; id++) {
    const k = kinds[id];
    const at = start[id];
    const info = u32[at + 1];
    const vlen = info & 0xffff;
    const kflag = info >>> 31;
    const st = u32[at + 2];
    w.c(91);
    w.n(id);
    w.s('] ');
    w.s(KIND_NAMES[k]);
    w.c(32);
    quoted(u32[at]);
    switch (k) {
      case K.INT: {
        const enc = u32[at + 3];
        kv(' size=', st);
        kv(' bits_offset=', (enc >>> 16) & 0xff);
        kv(' nr_bits=', enc & 0xff);
        w.s(' encoding=');
        w.s(INT_ENCODINGS[(enc >>> 24) & 0xf] ?? 'UNKN');
        break;
      }
      case K.PTR:
      case K.TYPEDEF:
      case K.VOLATILE:
      case K.CONST:
      case K.RESTRICT:
      case K.TYPE_TAG:
        kv(' type_id=', st);
        break;
      case K.ARRAY:
        kv(' type_id=', u32[at + 3]);
        kv(' index_type_id=', u32[at + 4]);
        kv(' nr_elems=', u32[at + 5]);
        break;
      case K.STRUCT:
      case K.UNION:
        kv(' size=', st);
        kv(' vlen=', vlen);
        for (let o = at + 3, i = 0; i < vlen; i++, o += 3) {
          w.s('\n\t');
          quoted(u32[o]);
          kv(' type_id=', u32[o + 1]);
          const off = u32[o + 2];
          kv(' bits_offset=', kflag ? off & 0xffffff : off);
          if (kflag && off >>> 24) kv(' bitfield_size=', off >>> 24);
        }
        break;
      case K.ENUM:
      case K.ENUM64: {
        w.s(kflag ? ' encoding=SIGNED' : ' encoding=UNSIGNED');
        kv(' size=', st);
        kv(' vlen=', vlen);
        const step = k === K.ENUM ? 2 : 3;
        for (let o = at + 3, i = 0; i < vlen; i++, o += step) {
          w.s('\n\t');
          quoted(u32[o]);
          w.s(' val=');
          if (k === K.ENUM) w.n(kflag ? u32[o + 1] | 0 : u32[o + 1]);
          else {
            const u = (BigInt(u32[o + 2]) << 32n) | BigInt(u32[o + 1]);
            w.s(kflag ? `${BigInt.asIntN(64, u)}LL` : `${u}ULL`);
          }
        }
        break;
      }
      case K.FWD:
        w.s(kflag ? ' fwd_kind=union' : ' fwd_kind=struct');
        break;
      case K.FUNC:
        kv(' type_id=', st);
        w.s(' linkage=');
        w.s(LINKAGE[vlen] ?? '(unknown)');
        break;
      case K.FUNC_PROTO:
        kv(' ret_type_id=', st);
        kv(' vlen=', vlen);
        for (let o = at + 3, i = 0; i < vlen; i++, o += 2) {
          w.s('\n\t');
          quoted(u32[o]);
          kv(' type_id=', u32[o + 1]);
        }
        break;
      case K.VAR:
        kv(' type_id=', st);
        w.s(', linkage=');
        w.s(LINKAGE[u32[at + 3]] ?? '(unknown)');
        break;
      case K.DATASEC:
        kv(' size=', st);
        kv(' vlen=', vlen);
        for (let o = at + 3, i = 0; i < vlen; i++, o += 3) {
          const v = u32[o];
          kv('\n\ttype_id=', v);
          kv(' offset=', u32[o + 1]);
          kv(' size=', u32[o + 2]);
          w.s(' (');
          w.s(KIND_NAMES[kinds[v]] ?? 'UNKNOWN');
          w.c(32);
          quoted(v ? u32[start[v]] : 0);
          w.c(41);
        }
        break;
      case K.FLOAT:
        kv(' size=', st);
        break;
      case K.DECL_TAG:
        kv(' type_id=', st);
        kv(' component_idx=', u32[at + 3] | 0);
        break;
    }
    w.c(10);
  }
  return w;
}
