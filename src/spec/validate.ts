/**
 * Checks an object's BTF for what libbpf (1.1, the oldest we support) takes on trust when it opens an
 * object: that every type id a type refers to exists, and that a function's type is a function
 * prototype. Objects that fail would crash libbpf's open path (found by scripts/fuzz-objects.ts), so
 * ObjectSpec rejects them first. Kernel-independent.
 */
import type { Btf } from '../btf/btf.js';
import { FormatError } from '../errors/index.js';

/** Throws FormatError naming the first type whose references do not hold. */
export function checkBtfReferences(btf: Btf): void {
  const n = btf.types.length;
  const ref = (id: number, what: string, owner: number): void => {
    if (id >= n) throw new FormatError(`BTF type ${owner} refers to ${what} ${id}, which does not exist`);
  };
  for (const t of btf.types) {
    switch (t.kind) {
      case 'ptr':
      case 'typedef':
      case 'volatile':
      case 'const':
      case 'restrict':
      case 'type_tag':
      case 'var':
      case 'decl_tag':
        ref(t.type, 'type', t.id);
        break;
      case 'func':
        ref(t.type, 'type', t.id);
        if (btf.types[t.type].kind !== 'func_proto')
          throw new FormatError(
            `BTF function ${t.name || t.id} has type ${t.type}, not a function prototype`,
          );
        break;
      case 'array':
        ref(t.type, 'element type', t.id);
        ref(t.indexType, 'index type', t.id);
        break;
      case 'struct':
      case 'union':
        for (const m of t.members) ref(m.type, 'member type', t.id);
        break;
      case 'func_proto':
        ref(t.returnType, 'return type', t.id);
        for (const p of t.params) ref(p.type, 'parameter type', t.id);
        break;
      case 'datasec':
        for (const v of t.vars) ref(v.type, 'variable', t.id);
        break;
    }
  }
}

/** Largest value a BPF map can be declared with (value_size is a u32 in the bpf(2) ABI). */
const MAX_VALUE_SIZE = 0xffffffff;

/** Throws FormatError when a global data section is larger than a map value can be. */
export function checkDataSectionSize(name: string, size: number): void {
  if (size > MAX_VALUE_SIZE)
    throw new FormatError(`section ${name} is ${size} bytes, more than a BPF map value can hold`);
}
