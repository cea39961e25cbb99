/**
 * Loads an exporter config: YAML (JSON is YAML too) through the `yaml` parser, validated against
 * config-schema.ts, normalized into the form the exporter builds from. Every error names the file,
 * line, column and key (`metrics.yaml:7:9: programs[0].metrics.counters[0].lables: unknown key`).
 * Later checks that need the program's BTF (a label from a field the event lacks, a histogram on a
 * map without slots) raise their errors through the same locator. Spec layer: reads the file only.
 */
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { LineCounter, isMap, isSeq, parseDocument, type Document, type Node } from 'yaml';
import type * as z from 'zod';
import { BpfkitError } from '../errors/index.js';
import { ConfigSchema, type RawConfig } from './config-schema.js';
import { normalize } from './config-normalize.js';
import type { ExportConfig } from './config-types.js';

/** A path into the config document: keys and list indexes. */
export type ConfigPath = readonly (string | number)[];

/** A config file error, located: the CLI prints it as one line and exits 1. */
export class ConfigError extends BpfkitError {
  /** The config file, as given. */
  readonly file: string;
  /** 1-based line (0 when the position is unknown). */
  readonly line: number;
  /** 1-based column (0 when the position is unknown). */
  readonly column: number;
  /** The key, as `programs[0].metrics.counters[1].labels`. */
  readonly key: string;
  constructor(file: string, line: number, column: number, key: string, reason: string) {
    const where = line ? `${file}:${line}:${column}` : file;
    super(`${where}: ${key ? `${key}: ` : ''}${reason}`);
    this.file = file;
    this.line = line;
    this.column = column;
    this.key = key;
  }
}

/** Finds where a path is in the source, for errors. */
export class ConfigLocator {
  constructor(
    readonly file: string,
    private readonly doc?: Document,
    private readonly lines?: LineCounter,
  ) {}

  /** A ConfigError at `path` (the deepest part of it that exists in the file). */
  error(path: ConfigPath, reason: string): ConfigError {
    const pos = this.position(path);
    return new ConfigError(this.file, pos?.line ?? 0, pos?.col ?? 0, formatPath(path), reason);
  }

  private position(path: ConfigPath): { line: number; col: number } | undefined {
    if (!this.doc || !this.lines) return undefined;
    let node: unknown = this.doc.contents;
    let at: [number, number, number] | undefined = (node as Node | null)?.range ?? undefined;
    for (const seg of path) {
      if (isMap(node)) {
        const pair = node.items.find((p) => (p.key as { value?: unknown } | null)?.value === seg);
        if (!pair) break;
        at = (pair.key as Node).range ?? at;
        node = pair.value;
      } else if (isSeq(node) && typeof seg === 'number' && seg < node.items.length) {
        node = node.items[seg];
        at = (node as Node).range ?? at;
      } else break;
    }
    return at ? this.lines.linePos(at[0]) : undefined;
  }
}

/** `programs[0].metrics.counters[1]` from a path. */
export function formatPath(path: ConfigPath): string {
  return path.map((s, i) => (typeof s === 'number' ? `[${s}]` : i ? `.${s}` : s)).join('');
}

/** Reads, parses, validates and normalizes the config file at `file`. Throws ConfigError. */
export function loadConfig(file: string): ExportConfig {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new ConfigError(file, 0, 0, '', code === 'ENOENT' ? 'no such file' : `cannot read: ${code}`);
  }
  return parseConfig(text, file);
}

/** Parses config text; `file` names it in errors and anchors relative paths. */
export function parseConfig(text: string, file: string): ExportConfig {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  const locator = new ConfigLocator(file, doc, lines);
  const bad = doc.errors[0];
  if (bad) {
    const pos = lines.linePos(bad.pos[0]);
    const reason = bad.message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '');
    throw new ConfigError(file, pos.line, pos.col, '', `malformed YAML: ${reason}`);
  }
  const value: unknown = doc.toJS();
  if (value === null || value === undefined)
    throw new ConfigError(file, 0, 0, '', 'the file is empty (it needs a programs: list)');
  const parsed = ConfigSchema.safeParse(value);
  if (!parsed.success) {
    // An unknown key explains the rest (a misspelt required key is also "missing"): report it first.
    const issues = parsed.error.issues;
    throw issueError(locator, issues.find((i) => i.code === 'unrecognized_keys') ?? issues[0]);
  }
  return normalize(parsed.data as RawConfig, locator, dirname(resolve(file)));
}

function issueError(locator: ConfigLocator, issue: z.core.$ZodIssue): ConfigError {
  const path = issue.path.filter((p): p is string | number => typeof p !== 'symbol');
  if (issue.code === 'unrecognized_keys') {
    const key = issue.keys[0];
    const hint = suggestion(key, knownKeys(path));
    return locator.error([...path, key], `unknown key${hint ? ` (did you mean '${hint}'?)` : ''}`);
  }
  if (issue.code === 'invalid_type' && issue.input === undefined)
    return locator.error(path, `missing (${issue.expected} expected)`);
  return locator.error(path, issue.message.replace(/^Invalid input: /, ''));
}

/** Keys the schema allows where an unknown key was found (for the did-you-mean hint). */
function knownKeys(path: ConfigPath): string[] {
  const last = path.filter((p): p is string => typeof p === 'string').at(-1) ?? '';
  const table: Record<string, string[]> = {
    '': ['programs', 'listen', 'max_series', 'series_ttl'],
    programs: [
      'name',
      'package',
      'object',
      'tool',
      'compiled_ebpf_filename',
      'ebpf_data',
      'options',
      'event_type',
      'btf',
      'perf_buffer_pages',
      'metrics',
    ],
    metrics: ['counters', 'gauges', 'histograms', 'maps'],
    counters: [
      'name',
      'help',
      'description',
      'events',
      'labels',
      'value_from',
      'multiplier',
      'max_series',
      'series_ttl',
    ],
    gauges: [
      'name',
      'help',
      'description',
      'events',
      'labels',
      'value_from',
      'multiplier',
      'max_series',
      'series_ttl',
    ],
    histograms: ['name', 'help', 'description', 'events', 'labels', 'value_from', 'buckets', 'multiplier'],
    maps: [
      'map',
      'type',
      'name',
      'help',
      'value',
      'values',
      'labels',
      'slots',
      'sum',
      'buckets',
      'multiplier',
    ],
    labels: ['name', 'from', 'decoders'],
    values: ['name', 'help', 'from'],
  };
  return table[last] ?? [];
}

/** The known key closest to `key` (edit distance at most 2), if any. */
export function suggestion(key: string, known: string[]): string | undefined {
  let best: string | undefined;
  let bestD = 3;
  for (const k of known) {
    const d = editDistance(key, k);
    if (d < bestD) [best, bestD] = [k, d];
  }
  return best;
}

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++)
      cur[j] = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = cur;
  }
  return prev[b.length];
}
