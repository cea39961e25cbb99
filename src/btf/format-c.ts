/**
 * The BTF-to-C dumper: turns BTF into a compilable C header (a `vmlinux.h`) holding every struct,
 * union, enum and typedef, in an order where each by-value use follows the full definition and each
 * pointer use follows at least a forward declaration, then `extern` prototypes of the kfuncs the BTF
 * marks (format-c-kfuncs.ts). Layouts are reproduced exactly (packed, aligned and padding decided by
 * format-c-layout.ts); duplicate names get `___N` suffixes (format-c-names.ts).
 * Kernel-independent: give it any BTF (the kernel's, a module's, a BPF object's .BTF).
 */
import type { Btf } from './btf.js';
import { BUSY, CRenderer, DONE, NONE } from './format-c-render.js';
import { BtfTable, K } from './format-c-table.js';
import { KFUNC_ATTRS, NO_KFUNC_PROTOTYPES, kfuncIds } from './format-c-kfuncs.js';
import { ByteWriter } from './format-c-writer.js';

/** Options of formatC. */
export interface FormatCOptions {
  /** Header guard macro, default `__VMLINUX_H__`. */
  guard?: string;
  /** Wrap the types in clang's preserve_access_index pragma (CO-RE field accesses), default true. */
  preserveAccessIndex?: boolean;
}

/**
 * Renders every type of `btf` as a C header like `bpftool btf dump file X format c`. Takes a parsed
 * Btf or, faster (no object model), a BtfTable from `BtfTable.fromBytes`.
 */
export function formatC(btf: Btf | BtfTable, opts: FormatCOptions = {}): string {
  return formatCWriter(btf, opts).text();
}

/** formatC as latin1 bytes (byte-exact names), ready to write: skips building a JS string. */
export function formatCBytes(btf: Btf | BtfTable, opts: FormatCOptions = {}): Uint8Array {
  return formatCWriter(btf, opts).bytes();
}

function formatCWriter(btf: Btf | BtfTable, opts: FormatCOptions): ByteWriter {
  const table = btf instanceof BtfTable ? btf : BtfTable.fromBtf(btf);
  // The header is about half the size of the BTF: start big enough never to grow.
  const w = new ByteWriter(Math.max(1 << 16, table.u32.length * 4 + table.strBytes.length));
  new CEmitter(table, w).run(opts.guard ?? '__VMLINUX_H__', opts.preserveAccessIndex ?? true);
  return w;
}

/** Decides the order of definitions and declarations; CRenderer writes them. */
class CEmitter extends CRenderer {
  private readonly declared: Uint8Array;
  /** Bit 1: deps(id, false) done, bit 2: deps(id, true) done; a repeat walk would emit nothing. */
  private readonly depsDone: Uint8Array;

  constructor(t: BtfTable, w: ByteWriter) {
    super(t, w);
    this.declared = new Uint8Array(t.count);
    this.depsDone = new Uint8Array(t.count);
  }

  run(guard: string, pai: boolean): void {
    const w = this.w;
    w.s(`#ifndef ${guard}\n#define ${guard}\n\n`);
    if (pai) {
      w.s(
        '#ifndef BPF_NO_PRESERVE_ACCESS_INDEX\n' +
          '#pragma clang attribute push (__attribute__((preserve_access_index)), apply_to = record)\n' +
          '#endif\n\n',
      );
    }
    const deferred = this.emitDecls();
    // The others still carry useful constants.
    for (let i = 0; i < deferred.length; i++) this.defineEnum(deferred[i]);
    if (pai) w.s('#ifndef BPF_NO_PRESERVE_ACCESS_INDEX\n#pragma clang attribute pop\n#endif\n\n');
    this.kfuncs();
    w.s(`#endif /* ${guard} */\n`);
  }

  /**
   * Declares the kfuncs (format-c-kfuncs.ts) after every type, behind a macro that leaves them out.
   * A source may declare one again: C accepts a compatible redeclaration, which keeps the weak one.
   */
  private kfuncs(): void {
    const ids = kfuncIds(this.t);
    if (!ids.length) return;
    this.w.s(`#ifndef ${NO_KFUNC_PROTOTYPES}\n`);
    for (const id of ids) this.externFunc(id, KFUNC_ATTRS);
    this.w.s(`#endif /* ${NO_KFUNC_PROTOTYPES} */\n\n`);
  }

  /**
   * Emits every declaration in BTF order (each after what it needs) and returns the anonymous enums
   * left for the end. Only the loop is here: code after a loop that gets optimized while it runs has
   * no type feedback yet, and running it would throw the optimized code away.
   */
  private emitDecls(): number[] {
    const deferred: number[] = [];
    const { kinds, u32, start, decls } = this.t;
    for (let i = 0; i < decls.length; i++) {
      const id = decls[i];
      switch (kinds[id]) {
        case K.STRUCT:
        case K.UNION:
          if (u32[start[id]] !== 0) this.define(id);
          break;
        case K.ENUM:
        case K.ENUM64:
          // An anonymous enum is spelled out at its first use in a member or typedef, if any.
          if (u32[start[id]] !== 0) this.defineEnum(id);
          else deferred.push(id);
          break;
        case K.TYPEDEF:
          this.typedef(id);
          break;
        case K.FWD:
          this.declare(id);
          break;
      }
    }
    return deferred;
  }

  /** Emits a forward declaration of a named struct/union/fwd unless it is already declared or defined. */
  private declare(id: number): void {
    const target = this.names.fwdTarget[id] || id;
    if (this.declared[target] || this.state[target] === DONE) return;
    this.declared[target] = 1;
    const k = this.t.kinds[target];
    this.w.s(k === K.UNION || (k === K.FWD && this.t.kflag(target)) ? 'union ' : 'struct ');
    this.names.write(target, this.w);
    this.w.s(';\n\n');
  }

  /** Emits the definition of a named struct/union after everything its members need. */
  private define(id: number): void {
    if (this.state[id] !== NONE) return;
    this.state[id] = BUSY;
    this.memberDeps(id);
    this.composite(id, 0, false);
    this.w.s(';\n\n');
    this.state[id] = DONE;
  }

  private defineEnum(id: number): void {
    if (this.state[id] !== NONE) return;
    this.state[id] = DONE;
    this.enumDef(id, 0);
    this.w.s(';\n\n');
  }

  private typedef(id: number): void {
    if (this.state[id] !== NONE) return;
    this.state[id] = BUSY;
    if (!this.transparent[id]) {
      const target = this.t.sizeOrType(id);
      this.deps(target, false);
      this.w.s('typedef ');
      this.decl(target, 0, id, 0, true);
      this.w.s(';\n\n');
    }
    this.state[id] = DONE;
  }

  private memberDeps(id: number): void {
    const u32 = this.t.u32;
    const end = this.t.start[id] + 3 + 3 * this.t.vlen(id);
    for (let o = this.t.start[id] + 3; o < end; o += 3) this.deps(u32[o + 1], true);
  }

  /**
   * Makes type `id` usable: declared when `complete` is false (it is only pointed to), fully defined
   * when true (it is used by value).
   */
  private deps(id: number, complete: boolean, proto = false): void {
    const bit = complete ? 2 : proto ? 4 : 1;
    if (this.depsDone[id] & bit) return;
    this.walkDeps(id, complete, proto);
    this.depsDone[id] |= bit;
  }

  private walkDeps(id: number, complete: boolean, proto: boolean): void {
    const { kinds, u32, start } = this.t;
    for (;;) {
      switch (kinds[id]) {
        case K.PTR:
          complete = false;
          id = u32[start[id] + 2];
          continue;
        case K.ARRAY:
          complete = true;
          id = u32[start[id] + 3];
          continue;
        case K.CONST:
        case K.VOLATILE:
        case K.RESTRICT:
        case K.TYPE_TAG:
          id = u32[start[id] + 2];
          continue;
        case K.TYPEDEF: {
          // The target is read before the (rare) transparent case, which then only moves values: code
          // that first runs after the walk got optimized would throw the optimized code away.
          const target = u32[start[id] + 2];
          if (this.transparent[id]) {
            id = target;
            continue;
          }
          this.typedef(id);
          if (!complete || this.declared[id]) return;
          // `declared` doubles as "target completed" for typedefs, which never get forward declarations.
          this.declared[id] = 1;
          id = target;
          continue;
        }
        case K.STRUCT:
        case K.UNION:
          if (u32[start[id]] === 0) {
            if (this.declared[id]) return;
            this.declared[id] = 1; // anonymous bodies are walked once
            this.memberDeps(id);
          } else if (complete) this.define(id);
          // A type whose definition is under way needs no forward declaration outside prototypes: a
          // pointer member or typedef naming it declares the tag at file scope.
          else if (proto || this.state[id] !== BUSY) this.declare(id);
          return;
        case K.ENUM:
        case K.ENUM64:
          if (u32[start[id]] !== 0) this.defineEnum(id);
          return;
        case K.FWD:
          this.declare(id);
          return;
        case K.FUNC_PROTO: {
          this.deps(u32[start[id] + 2], false, true);
          const end = start[id] + 3 + 2 * (u32[start[id] + 1] & 0xffff);
          for (let o = start[id] + 3; o < end; o += 2) if (u32[o + 1]) this.deps(u32[o + 1], false, true);
          return;
        }
        default:
          return;
      }
    }
  }
}
