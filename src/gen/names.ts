/**
 * Names in a generated module: C identifiers turned into TypeScript type names (`struct event` →
 * `Event`, `args_t` → `ArgsT`), each handed out once so two C names can never become one TS name.
 * Spec layer: no kernel.
 */

/** Names a generated module must never declare: globals it refers to, and well-known built-ins. */
const BUILTINS = [
  'Array',
  'AsyncIterable',
  'AsyncIterableIterator',
  'BigInt',
  'Boolean',
  'Date',
  'Error',
  'Function',
  'Iterable',
  'IterableIterator',
  'JSON',
  'Map',
  'Math',
  'Number',
  'Object',
  'Partial',
  'Promise',
  'Readonly',
  'Record',
  'RegExp',
  'Set',
  'String',
  'Symbol',
  'Uint8Array',
];

/** `foo_bar` → `FooBar`, `__u32` → `U32`; something that is still a type name when it starts with a digit. */
export function pascalCase(cName: string): string {
  const words = cName.split(/[^A-Za-z0-9]+/).filter(Boolean);
  const name = words.map((w) => w[0].toUpperCase() + w.slice(1)).join('');
  if (!name) return 'Anon';
  return /^[0-9]/.test(name) ? `T${name}` : name;
}

/** Whether `s` can be written as a property name without quotes. */
export function isIdentifier(s: string): boolean {
  return /^[A-Za-z_$][A-Za-z0-9_$]*$/.test(s);
}

/** `s` as a single-quoted string literal. */
export function quote(s: string): string {
  return `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'").replace(/\n/g, '\\n')}'`;
}

/** A property key as written in TypeScript source: bare when an identifier, else quoted. */
export function propertyKey(s: string): string {
  return isIdentifier(s) ? s : quote(s);
}

/**
 * The type names of one module. Reserved names (the module's fixed exports, its imports and the
 * built-ins) are taken first; every other name is handed out on first request, with a number appended
 * when taken (`Event`, then `Event2`), so the same input always gives the same names.
 */
export class NameTable {
  private readonly taken = new Set<string>(BUILTINS);

  /** Marks `names` as used by the module itself. */
  reserve(...names: string[]): void {
    for (const n of names) this.taken.add(n);
  }

  /** A free name derived from `base` (already a valid type name), now taken. */
  allocate(base: string): string {
    let name = base;
    for (let i = 2; this.taken.has(name); i++) name = `${base}${i}`;
    this.taken.add(name);
    return name;
  }
}
