/**
 * One fuzz case, both halves: (a) what `bpfkit inspect` does with an object (parseTarget, the report
 * with disassembly, text and JSON), and (b) the object loader's open path (BpfObject.open, which
 * parses with ObjectSpec and hands the bytes to libbpf's bpf_object__open_mem, then close()).
 * An outcome is `ok`, `clean` (a BpfkitError whose cause, if any, is not a JavaScript runtime error)
 * or `bug` (anything else, or a BpfkitError that only wraps a RangeError/TypeError).
 */
import { parseTarget } from '../../src/package/load.js';
import { buildReport, formatReport, reportJson } from '../../src/objfile/index.js';
import { BpfObject } from '../../src/object/collection.js';
import { BpfkitError } from '../../src/errors/index.js';
import type { HelperNames } from '../../src/asm/helpers.js';

/** How one half of a case ended. */
export interface Outcome {
  result: 'ok' | 'clean' | 'bug';
  /** Error message (with the error class), for clean errors and bugs. */
  error?: string;
  /** Stack of a bug. */
  stack?: string;
  ms: number;
}

/** Whether `e` is a deliberate bpfkit error rather than a runtime error wearing a FormatError. */
function isClean(e: unknown): boolean {
  if (!(e instanceof BpfkitError)) return false;
  for (let c: unknown = e.cause; c; c = (c as { cause?: unknown }).cause)
    if (c instanceof Error && !(c instanceof BpfkitError)) return false;
  return true;
}

function run(fn: () => void): Outcome {
  const t0 = performance.now();
  try {
    fn();
    return { result: 'ok', ms: performance.now() - t0 };
  } catch (e) {
    const ms = performance.now() - t0;
    const err = e as Error;
    const cause = (e as { cause?: Error }).cause;
    const error = `${err?.name}: ${err?.message}${cause ? ` (cause: ${cause.name}: ${cause.message})` : ''}`;
    if (isClean(e)) return { result: 'clean', error, ms };
    return { result: 'bug', error, stack: cause?.stack ?? err?.stack, ms };
  }
}

/** The inspect half: everything `bpfkit inspect --disasm` and `--json` do with the bytes. */
export function inspectHalf(bytes: Uint8Array, helpers: HelperNames): Outcome {
  return run(() => {
    const t = parseTarget(bytes, 'fuzz.bpf.o');
    const report = buildReport(t.object, { source: 'fuzz.bpf.o', disasm: true, helpers });
    formatReport(report);
    reportJson(report);
  });
}

/** The loader half: open through ObjectSpec and libbpf, then close. Nothing is loaded into the kernel. */
export function loaderHalf(bytes: Uint8Array): Outcome {
  return run(() => BpfObject.open(bytes, { name: 'fuzz' }).close());
}
