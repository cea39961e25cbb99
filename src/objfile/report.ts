/**
 * Builds the inspect report of a compiled BPF object: sections, programs and subprograms with what
 * their code uses and their CO-RE relocations, maps, globals with initial values, license and a BTF
 * summary, optionally with disassembly. Kernel-independent: helper names come from the running
 * kernel's BTF when it is readable (else they print by number) unless the caller passes a table.
 */
import { kernelHelperNames, type HelperNames } from '../asm/helpers.js';
import {
  listObjectCode,
  listSection,
  relocationTargets,
  renderListing,
  type ListingLine,
} from '../asm/index.js';
import { decoderFor } from '../btf/decode.js';
import type { CoreRelo } from '../btf/ext.js';
import { STB } from '../elf/reader.js';
import { ObjectSpec } from '../spec/object.js';
import { parseObject } from '../package/parse-object.js';
import { btfReport } from './btf-summary.js';
import { codeFunctions, SectionCode, type CodeFunction } from './code.js';
import { coreRelosBySection, describeCoreRelo } from './core.js';
import { sectionReports } from './sections.js';
import type {
  FunctionReport,
  GlobalReport,
  InspectReport,
  MapReport,
  ProgramReport,
  SubprogramReport,
} from './types.js';

/** Globals larger than this many bytes are reported without their decoded value. */
export const MAX_SHOWN_VALUE = 4096;

/** Options of buildReport(). */
export interface InspectOptions {
  /** What the user named, shown in the report (default `object`). */
  source?: string;
  /** The report's kind (default `object`). */
  kind?: InspectReport['kind'];
  /** The package's name, description and version when the object came from one. */
  package?: InspectReport['package'];
  /** Add each function's disassembly with its source lines. */
  disasm?: boolean;
  /** Helper names by id (default: from the running kernel's BTF, empty when unreadable). */
  helpers?: HelperNames;
}

/** Parses `object` and builds its report; throws FormatError when it is not a usable BPF object. */
export function buildReport(object: Uint8Array, opts: InspectOptions = {}): InspectReport {
  const spec = opts.source ? parseObject(object, opts.source) : new ObjectSpec(object);
  return new Builder(spec, opts).report();
}

class Builder {
  private readonly helpers: HelperNames;
  private readonly code = new Map<number, SectionCode>();
  private readonly listings = new Map<number, ListingLine[]>();
  private readonly relos: Map<string, CoreRelo[]>;

  constructor(
    private readonly spec: ObjectSpec,
    private readonly opts: InspectOptions,
  ) {
    this.helpers = opts.helpers ?? kernelHelperNames();
    this.relos = spec.btf ? coreRelosBySection(spec.btf, spec.btfExt) : new Map();
  }

  report(): InspectReport {
    const { spec, opts } = this;
    const funcs = codeFunctions(spec);
    const isProgram = (f: CodeFunction): boolean =>
      spec.programs.some((p) => p.name === f.name && p.section === f.section.name);
    const programs = spec.programs.map((p): ProgramReport => {
      const f = funcs.find((x) => x.name === p.name && x.section.name === p.section);
      const base = f ? this.function(f) : emptyFunction(p.name, p.section, p.insnOffset, p.insnCount);
      return { ...base, type: p.progType, attach: p.attach, target: p.target };
    });
    const subprograms = funcs
      .filter((f) => !isProgram(f))
      .map((f): SubprogramReport => ({
        ...this.function(f),
        linkage: f.bind === STB.GLOBAL ? 'global' : f.bind === STB.WEAK ? 'weak' : 'static',
      }));
    const subBySection = new Map<number, string[]>();
    for (const f of funcs.filter((x) => !isProgram(x)))
      subBySection.set(f.section.index, [...(subBySection.get(f.section.index) ?? []), f.name]);
    const report: InspectReport = {
      source: opts.source ?? 'object',
      kind: opts.kind ?? 'object',
      size: spec.elf.data.length,
      license: spec.license,
      sections: sectionReports(spec, subBySection),
      programs,
      subprograms,
      maps: this.maps(),
      globals: this.globals(),
    };
    if (opts.package) report.package = opts.package;
    const btf = btfReport(spec);
    if (btf) report.btf = btf;
    return report;
  }

  private function(f: CodeFunction): FunctionReport {
    const { spec } = this;
    let code = this.code.get(f.section.index);
    if (!code) this.code.set(f.section.index, (code = new SectionCode(spec, f.section)));
    const uses = code.uses(f.start, f.end, this.helpers);
    const relos = (this.relos.get(f.section.name) ?? []).filter(
      (r) => r.insnOff >= f.start && r.insnOff < f.end,
    );
    const out: FunctionReport = {
      name: f.name,
      section: f.section.name,
      insnOffset: f.start,
      insns: f.end - f.start,
      ...uses,
      coreRelocations: spec.btf ? relos.map((r) => describeCoreRelo(spec.btf!, r)) : [],
    };
    if (this.opts.disasm) out.disasm = this.disasm(f);
    return out;
  }

  private disasm(f: CodeFunction): string {
    let lines = this.listings.get(f.section.index);
    if (!lines) {
      const { elf } = this.spec;
      // listSection finds its section by name; one that shares its name (or has none, in a corrupt
      // object) is listed from its bytes alone, without source lines.
      lines =
        elf.section(f.section.name) === f.section
          ? listSection(elf, f.section.name, { helpers: this.helpers })
          : listObjectCode(elf.sectionData(f.section), {
              helpers: this.helpers,
              relocations: relocationTargets(elf, f.section),
            });
      this.listings.set(f.section.index, lines);
    }
    return renderListing(lines.filter((l) => l.index >= f.start && l.index < f.end));
  }

  private maps(): MapReport[] {
    const { btf } = this.spec;
    const name = (id: number): string => (btf && id ? btf.typeName(id) : '');
    return this.spec.maps.map((m) => ({
      name: m.name,
      type: m.typeName,
      keySize: m.keySize,
      valueSize: m.valueSize,
      keyType: name(m.keyType),
      valueType: name(m.valueType),
      maxEntries: m.maxEntries,
      flags: m.flags,
      section: m.section,
    }));
  }

  private globals(): GlobalReport[] {
    const { btf } = this.spec;
    if (!btf) return [];
    return this.spec.globals.map((g) => ({
      name: g.name,
      section: g.section,
      offset: g.offset,
      size: g.size,
      type: btf.typeName(g.type),
      readonly: g.readonly,
      value: g.size <= MAX_SHOWN_VALUE ? decoderFor(btf, g.type)(g.initial) : null,
      zero: g.initial.every((b) => b === 0),
    }));
  }
}

function emptyFunction(name: string, section: string, start: number, count: number): FunctionReport {
  return {
    name,
    section,
    insnOffset: start,
    insns: count,
    calls: [],
    helpers: [],
    kfuncs: [],
    maps: [],
    globals: [],
    externs: [],
    coreRelocations: [],
  };
}
