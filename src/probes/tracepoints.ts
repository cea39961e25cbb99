/**
 * Kernel tracepoints from tracefs: the list (`available_events`), existence checks, and the record
 * layout each event's `format` file describes. Needs tracefs (mounted on demand via ensureMounts()).
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { NotSupportedError } from '../errors/index.js';
import { tracefsPath } from '../sys/mounts.js';
import type { ProbeArg } from './types.js';

/** One field of a tracepoint record, as its tracefs `format` file declares it. */
export interface TracepointField {
  /** C type with any array suffix moved onto it: `char[16]`, `const char *`, `__data_loc char[]`. */
  type: string;
  name: string;
  /** The declaration exactly as the kernel wrote it (`char prev_comm[16]`); bpftrace -lv prints this. */
  decl: string;
  offset: number;
  size: number;
  signed: boolean;
}

/** A parsed tracepoint `format` file. */
export interface TracepointFormat {
  category: string;
  name: string;
  /** Event id (what perf_event_open's config takes for PERF_TYPE_TRACEPOINT). */
  id: number;
  /** The event's own fields, in record order (the `common_*` header fields excluded). */
  fields: TracepointField[];
  /** The `common_*` header fields every record starts with. */
  common: TracepointField[];
  /** The `print fmt:` line's value. */
  printFmt: string;
}

/** A tracepoint's category and event name. */
export interface TracepointName {
  category: string;
  name: string;
}

/** Event names are plain identifiers; anything else (slashes, `..`) must not reach a path. */
function validName(s: string): boolean {
  return /^[A-Za-z0-9_.-]+$/.test(s) && s !== '.' && s !== '..';
}

/**
 * Every tracepoint the kernel lets programs attach to, unsorted. Reads tracefs `available_events`; when
 * that is unreadable, walks `events/` (skipping the `ftrace` category, whose events cannot carry BPF
 * programs). Throws NotSupportedError when tracefs is missing.
 */
export function listTracepoints(): TracepointName[] {
  let text: string | undefined;
  try {
    text = readFileSync(tracefsPath('available_events'), 'utf8');
  } catch {
    text = undefined;
  }
  if (text !== undefined) {
    const out: TracepointName[] = [];
    for (const line of text.split('\n')) {
      const c = line.indexOf(':');
      if (c > 0) out.push({ category: line.slice(0, c), name: line.slice(c + 1) });
    }
    return out;
  }
  const root = tracefsPath('events');
  let cats: string[];
  try {
    cats = readdirSync(root);
  } catch (e) {
    throw new NotSupportedError(
      `cannot list tracepoints: ${root} is unreadable (${(e as Error).message}); is tracefs mounted?`,
      'tracefs',
    );
  }
  const out: TracepointName[] = [];
  for (const cat of cats) {
    if (cat === 'ftrace') continue;
    let evs: string[];
    try {
      evs = readdirSync(`${root}/${cat}`);
    } catch {
      continue; // a plain file such as `enable` or `header_page`
    }
    for (const ev of evs) if (existsSync(`${root}/${cat}/${ev}/id`)) out.push({ category: cat, name: ev });
  }
  return out;
}

/**
 * Whether tracepoint `category:name` exists and can carry a BPF program (it has an `id` in tracefs and
 * is not an `ftrace` internal event). Needs tracefs.
 */
export function tracepointExists(category: string, name: string): boolean {
  if (!validName(category) || !validName(name) || category === 'ftrace') return false;
  return existsSync(tracefsPath(`events/${category}/${name}/id`));
}

const FIELD_RE = /^\s*field:(.*?);\s*offset:(\d+);\s*size:(\d+);\s*signed:(\d+);/;

/** Splits a format-file declaration into type and name, moving an array suffix onto the type. */
export function splitDecl(decl: string): { type: string; name: string } {
  const m = /^(.*?)\s*([A-Za-z_][A-Za-z0-9_]*)\s*((?:\[[^\]]*\])*)\s*$/.exec(decl);
  if (!m || !m[1]) return { type: '', name: decl.trim() };
  return { type: (m[1] + m[3]).trim(), name: m[2] };
}

/** Parses the text of a tracefs `format` file (kernel-independent). */
export function parseTracepointFormat(text: string, category = '', name = ''): TracepointFormat {
  const fmt: TracepointFormat = { category, name, id: -1, fields: [], common: [], printFmt: '' };
  for (const line of text.split('\n')) {
    const f = FIELD_RE.exec(line);
    if (f) {
      const decl = f[1].trim();
      const field: TracepointField = {
        ...splitDecl(decl),
        decl,
        offset: Number(f[2]),
        size: Number(f[3]),
        signed: f[4] !== '0',
      };
      (field.name.startsWith('common_') ? fmt.common : fmt.fields).push(field);
    } else if (line.startsWith('ID:')) {
      fmt.id = Number(line.slice(3).trim());
    } else if (line.startsWith('name:') && !fmt.name) {
      fmt.name = line.slice(5).trim();
    } else if (line.startsWith('print fmt:')) {
      fmt.printFmt = line.slice(10).trim();
    }
  }
  return fmt;
}

/**
 * The parsed `format` file of tracepoint `category:name`. Needs tracefs; throws NotSupportedError
 * (feature `tracepoint category:name`) when the kernel has no such tracepoint.
 */
export function tracepointFormat(category: string, name: string): TracepointFormat {
  if (!tracepointExists(category, name)) {
    throw new NotSupportedError(
      `tracepoint ${category}:${name} does not exist in this kernel`,
      `tracepoint ${category}:${name}`,
    );
  }
  const text = readFileSync(tracefsPath(`events/${category}/${name}/format`), 'utf8');
  return parseTracepointFormat(text, category, name);
}

/** The event fields of a tracepoint as probe arguments (what `probes -v` shows); [] if unreadable. */
export function tracepointArgs(category: string, name: string): ProbeArg[] {
  let text: string;
  try {
    text = readFileSync(tracefsPath(`events/${category}/${name}/format`), 'utf8');
  } catch {
    return [];
  }
  return parseTracepointFormat(text, category, name).fields.map((f) => ({
    type: f.type,
    name: f.name,
    decl: f.decl,
    offset: f.offset,
    size: f.size,
    signed: f.signed,
  }));
}
