/**
 * One-line C-ish signatures of BTF functions in the exact spelling bpftool uses above each function
 * of a program dump: `int handle_enter(struct trace_event_raw_sys_enter * ctx)` (every type name is
 * followed by a space, so pointers read `type * name`). Kernel-independent.
 */
import type { Btf } from '../btf/btf.js';

/** bpftool formats signatures into a 1024-byte buffer and prints nothing when one does not fit. */
const MAX_SIG = 1023;

class Unprintable extends Error {}

/**
 * The signature of BTF type `typeId` (normally a `func`), as bpftool prints it before the colon of a
 * function header; '' when bpftool would print no header (unknown kinds such as type tags, a
 * too-long signature, or an id that is not in `btf`).
 */
export function funcSignature(btf: Btf, typeId: number): string {
  const out: string[] = [];
  try {
    typeOnly(btf, typeId, out, 0);
  } catch (e) {
    if (e instanceof Unprintable) return '';
    throw e;
  }
  const s = out.join('');
  return s.length > MAX_SIG ? '' : s;
}

function typeOnly(btf: Btf, id: number, out: string[], depth: number): void {
  if (depth > 64) throw new Unprintable();
  if (id === 0) {
    out.push('void ');
    return;
  }
  const t = btf.types[id];
  if (!t) throw new Unprintable();
  const next = (tid: number): void => typeOnly(btf, tid, out, depth + 1);
  switch (t.kind) {
    case 'int':
    case 'typedef':
    case 'float':
      out.push(`${t.name} `);
      return;
    case 'struct':
    case 'union':
      out.push(`${t.kind} ${t.name} `);
      return;
    case 'enum':
    case 'enum64':
      out.push(`enum ${t.name} `);
      return;
    case 'array':
      next(t.type);
      out.push(`[${t.nelems}]`);
      return;
    case 'ptr':
      next(t.type);
      out.push('* ');
      return;
    case 'fwd':
      out.push(`${t.union ? 'union' : 'struct'} ${t.name} `);
      return;
    case 'volatile':
    case 'const':
    case 'restrict':
      out.push(`${t.kind} `);
      next(t.type);
      return;
    case 'func_proto':
      funcProto(btf, id, undefined, out, depth);
      return;
    case 'func':
      funcProto(btf, t.type, t.name, out, depth);
      return;
    case 'var':
      if (t.linkage === 0) out.push('static ');
      next(t.type);
      out.push(` ${t.name}`);
      return;
    case 'datasec':
      out.push(`section ("${t.name}") `);
      return;
    default:
      throw new Unprintable();
  }
}

function funcProto(btf: Btf, protoId: number, name: string | undefined, out: string[], depth: number): void {
  const proto = btf.types[protoId];
  if (!proto || proto.kind !== 'func_proto') throw new Unprintable();
  typeOnly(btf, proto.returnType, out, depth + 1);
  out.push(name === undefined ? '(' : `${name}(`);
  proto.params.forEach((p, i) => {
    if (i) out.push(', ');
    if (!p.type) {
      out.push('...');
      return;
    }
    typeOnly(btf, p.type, out, depth + 1);
    if (p.name) out.push(p.name);
    else dropTrailingSpace(out);
  });
  out.push(')');
}

/** An unnamed parameter ends without the space its type name left for the name. */
function dropTrailingSpace(out: string[]): void {
  const last = out.length - 1;
  if (last >= 0 && out[last].endsWith(' ')) out[last] = out[last].slice(0, -1);
}
