/**
 * The JSON form of an inspect report: one document on one line, 64-bit values written as exact JSON
 * numbers (see btf/decode.ts toJson). Kernel-independent.
 */
import { toJson } from '../btf/decode.js';
import type { InspectReport } from './types.js';

/** The report as one line of JSON, newline-terminated. */
export function reportJson(r: InspectReport): string {
  return toJson(r) + '\n';
}
