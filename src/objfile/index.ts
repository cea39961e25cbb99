/**
 * `inspect`: what a compiled BPF object (or the object inside a package) holds, read without the
 * kernel — sections, programs, subprograms, maps, globals with initial values, license, BTF and CO-RE
 * relocations — as a report object, text or one JSON document.
 */
export { buildReport, MAX_SHOWN_VALUE, type InspectOptions } from './report.js';
export { formatReport } from './text.js';
export { reportJson } from './json.js';
export { sectionFlags, sectionTypeName } from './sections.js';
export type * from './types.js';
