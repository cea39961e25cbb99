/**
 * A summary of an object's BTF and .BTF.ext: how many types of each kind, how big the string table
 * is, how many function, line and CO-RE records, and which source files line info names.
 * Kernel-independent.
 */
import { btfString } from '../asm/listing.js';
import { BTF_KIND } from '../btf/types.js';
import type { ObjectSpec } from '../spec/object.js';
import type { BtfReport } from './types.js';

const KIND_ORDER = Object.keys(BTF_KIND);

/** The BTF summary of `spec`, or undefined when the object has no .BTF section. */
export function btfReport(spec: ObjectSpec): BtfReport | undefined {
  const { btf, btfExt, elf } = spec;
  if (!btf) return undefined;
  const counts = new Map<string, number>();
  for (const t of btf.types) if (t.kind !== 'void') counts.set(t.kind, (counts.get(t.kind) ?? 0) + 1);
  const kinds: Record<string, number> = {};
  for (const k of KIND_ORDER) {
    const n = counts.get(k);
    if (n) kinds[k] = n;
  }
  const report: BtfReport = {
    size: elf.section('.BTF')?.size ?? btf.raw.length,
    types: btf.types.length - 1,
    kinds,
    stringBytes: btf.strings.length,
  };
  if (btfExt) {
    const count = (secs: { records: unknown[] }[]): number => secs.reduce((n, s) => n + s.records.length, 0);
    const sources: string[] = [];
    for (const sec of btfExt.lineInfo)
      for (const l of sec.records) {
        const f = btfString(btf, l.fileNameOff);
        if (f && !sources.includes(f)) sources.push(f);
      }
    report.ext = {
      size: elf.section('.BTF.ext')?.size ?? 0,
      funcInfo: count(btfExt.funcInfo),
      lineInfo: count(btfExt.lineInfo),
      coreRelocations: count(btfExt.coreRelo),
      sources,
    };
  }
  return report;
}
