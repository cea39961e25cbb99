/**
 * Shared by the gen tests: generated modules written under build/test/gen (importing the runtime
 * from src/index.ts, so tests and bindings share one library instance), and a checker that holds
 * decoded values against the generated TypeScript types with the TypeScript compiler itself.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import ts from 'typescript';
import { generateModule, type GenInput } from '../../src/gen/module.js';
import { BUILD, ROOT } from '../helpers/bpf.js';

/** Where generated modules and their consumers go. */
export const GEN_DIR = join(BUILD, 'gen');

/** The specifier of src/index.ts as seen from a file in `dir`. */
export function runtimeSpecifier(dir: string): string {
  const rel = relative(dir, join(ROOT, 'src/index.js'));
  return rel.startsWith('.') ? rel : `./${rel}`;
}

/** Generates the module for `input` into `path` (importing the runtime from the source tree). */
export function writeModule(path: string, input: GenInput): string {
  mkdirSync(dirname(path), { recursive: true });
  const text = generateModule(input, { importFrom: runtimeSpecifier(dirname(path)) });
  writeFileSync(path, text);
  return text;
}

/** The compiler options of the repository (tsconfig.json), for checking generated code. */
export const COMPILER_OPTIONS: ts.CompilerOptions = {
  target: ts.ScriptTarget.ES2022,
  module: ts.ModuleKind.NodeNext,
  moduleResolution: ts.ModuleResolutionKind.NodeNext,
  strict: true,
  noEmit: true,
  skipLibCheck: true,
  types: ['node'],
};

/** The types of one generated module, read by the TypeScript compiler. */
export class GeneratedTypes {
  private readonly program: ts.Program;
  private readonly checker: ts.TypeChecker;
  private readonly file: ts.SourceFile;

  constructor(path: string) {
    this.program = ts.createProgram([path], COMPILER_OPTIONS);
    this.checker = this.program.getTypeChecker();
    const f = this.program.getSourceFile(path);
    if (!f) throw new Error(`${path} is not in the program`);
    this.file = f;
  }

  /** The compiler's complaints about the module itself, as `line: message`. */
  diagnostics(): string[] {
    return [
      ...this.program.getSyntacticDiagnostics(this.file),
      ...this.program.getSemanticDiagnostics(this.file),
    ].map((d) => {
      const line = d.start !== undefined ? this.file.getLineAndCharacterOfPosition(d.start).line + 1 : 0;
      return `${line}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`;
    });
  }

  /** The exported interface or type alias `name`. */
  type(name: string): ts.Type {
    const sym = this.checker
      .getExportsOfModule(this.checker.getSymbolAtLocation(this.file)!)
      .find((s) => s.name === name);
    if (!sym) throw new Error(`the module exports no type ${name}`);
    return this.checker.getDeclaredTypeOfSymbol(sym);
  }

  /** The type of property `prop` of `type`. */
  property(type: ts.Type, prop: string): ts.Type {
    const p = type.getProperty(prop);
    if (!p) throw new Error(`${this.checker.typeToString(type)} has no property ${prop}`);
    return this.checker.getTypeOfSymbol(p);
  }

  /** Property names of an object type, in declaration order. */
  keys(type: ts.Type): string[] {
    return this.checker.getPropertiesOfType(type).map((p) => p.name);
  }

  /** The type written as text, e.g. `State | number`. */
  show(type: ts.Type): string {
    return this.checker.typeToString(type);
  }

  /**
   * Where `value` does not have `type`, exactly: objects must have the declared properties in the
   * declared order and nothing else, arrays' elements must match, unions must admit the value.
   */
  mismatches(type: ts.Type, value: unknown, path = '$'): string[] {
    const bad = (): string[] => [`${path}: ${this.show(type)} does not admit ${describe(value)}`];
    if (type.isUnion()) return type.types.some((t) => !this.mismatches(t, value, path).length) ? [] : bad();
    const f = type.flags;
    if (f & ts.TypeFlags.Unknown) return [];
    if (f & ts.TypeFlags.Number) return typeof value === 'number' ? [] : bad();
    if (f & ts.TypeFlags.BigInt) return typeof value === 'bigint' ? [] : bad();
    if (f & ts.TypeFlags.String) return typeof value === 'string' ? [] : bad();
    if (f & ts.TypeFlags.StringLiteral) return value === (type as ts.StringLiteralType).value ? [] : bad();
    if (f & ts.TypeFlags.BooleanLiteral) return value === (this.show(type) === 'true') ? [] : bad();
    if (f & ts.TypeFlags.Undefined) return value === undefined ? [] : bad();
    if (!(f & ts.TypeFlags.Object)) return bad();
    if (this.checker.isTupleType(type)) {
      const elems = this.checker.getTypeArguments(type as ts.TypeReference);
      if (!Array.isArray(value) || value.length !== elems.length) return bad();
      return elems.flatMap((t, i) => this.mismatches(t, value[i], `${path}[${i}]`));
    }
    if (this.checker.isArrayType(type)) {
      if (!Array.isArray(value)) return bad();
      const elem = this.checker.getTypeArguments(type as ts.TypeReference)[0];
      return value.flatMap((v, i) => this.mismatches(elem, v, `${path}[${i}]`));
    }
    if (type.getSymbol()?.name === 'Uint8Array') return value instanceof Uint8Array ? [] : bad();
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return bad();
    const keys = this.keys(type);
    const got = Object.keys(value);
    if (got.join() !== keys.join()) return [`${path}: keys ${got.join(', ')}, declared ${keys.join(', ')}`];
    return keys.flatMap((k) =>
      this.mismatches(this.property(type, k), (value as Record<string, unknown>)[k], `${path}.${k}`),
    );
  }
}

function describe(v: unknown): string {
  if (typeof v === 'bigint') return `${v}n`;
  if (v instanceof Uint8Array) return `Uint8Array(${v.length})`;
  return JSON.stringify(v, (_k, x: unknown) => (typeof x === 'bigint' ? `${x}n` : x)) ?? String(v);
}

/** Writes `text` to `name` under GEN_DIR and returns its path. */
export function genFile(name: string, text: string): string {
  const p = join(GEN_DIR, name);
  mkdirSync(dirname(p), { recursive: true });
  writeFileSync(p, text);
  return p;
}
