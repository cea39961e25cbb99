#!/usr/bin/env node
/**
 * The `bpfkit` executable: compiles the CLI bundle (dist/cli/entry.cjs) with a V8 code cache and runs
 * it.
 *
 * Compiling the ~1 MB bundle is a fifth of a command's start-up; with V8's code cache for the
 * functions that command ran last time, most of that goes. Node 20 has no built-in compile cache for
 * CommonJS (module.enableCompileCache is Node 22), hence this small loader over `vm.Script`'s
 * `cachedData`, which Node documents for exactly this.
 *
 * - One cache file per command word (`run`, `build`, …), so each holds what that command compiles;
 *   a command line's first run writes it, at exit.
 * - The file name carries the Node version and the bundle's size and mtime, and V8 itself rejects
 *   data from another V8 or another source, so a stale file is only ever ignored and rewritten.
 * - It lives under $XDG_CACHE_HOME/bpfkit/v8 (else ~/.cache), and is used only when this user owns
 *   it and nobody else can write to it (it is code). An unwritable cache only loses the
 *   speed-up. BPFKIT_NO_CODE_CACHE=1 turns it off, and so does running from the sources.
 *
 * Only node: built-ins are used here, so this file costs nothing to load and runs from the sources
 * too (tsx cannot require the ES modules of src/ from it).
 */
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { homedir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import vm from 'node:vm';

const entry = join(__dirname, 'entry.cjs');

/** The cache file for this bundle and command word, or undefined when caching is off. */
function cachePath(bundle: string, argv: string[]): string | undefined {
  const env = process.env;
  if (env.BPFKIT_NO_CODE_CACHE) return undefined;
  const st = statSync(bundle);
  const word = /^[a-z][a-z-]{0,30}$/.test(argv[0] ?? '') ? argv[0] : 'other';
  const base = env.XDG_CACHE_HOME || join(env.HOME || homedir(), '.cache');
  return join(base, 'bpfkit', 'v8', `${word}-${process.version}-${st.size}-${Math.trunc(st.mtimeMs)}.bin`);
}

/**
 * Whether `p` is a file only this user can have written (it and its directory are this user's and
 * not group- or world-writable): the rule of sys/cache.ts's isPrivateFile, which cannot be imported
 * here (see above).
 */
function isPrivateFile(p: string): boolean {
  const uid = process.geteuid?.() ?? -1;
  const mine = (s: { uid: number; mode: number }): boolean => s.uid === uid && (s.mode & 0o022) === 0;
  try {
    return mine(statSync(p)) && mine(statSync(dirname(p)));
  } catch {
    return false;
  }
}

/** The cache file's bytes, only when it is private to this user: it is code. */
function readOwnCache(path: string): Buffer | undefined {
  try {
    return isPrivateFile(path) ? readFileSync(path) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Writes `script`'s code cache to `path` atomically, and removes the same command's files for other
 * bundles or Node versions; failures are ignored (the cache is optional).
 */
function saveCache(script: vm.Script, path: string): void {
  const tmp = `${path}.${process.pid}.tmp`;
  const dir = dirname(path);
  const name = basename(path);
  const prefix = name.slice(0, name.indexOf(`-${process.version}-`) + 1); // "<word>-"
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    writeFileSync(tmp, script.createCachedData(), { mode: 0o600 });
    // In a directory others can write to, it would never be read.
    if (!isPrivateFile(tmp)) return rmSync(tmp, { force: true });
    renameSync(tmp, path);
    for (const f of readdirSync(dir))
      if (f.startsWith(prefix) && /^v\d/.test(f.slice(prefix.length)) && f.endsWith('.bin') && f !== name)
        rmSync(join(dir, f), { force: true });
  } catch {
    try {
      rmSync(tmp, { force: true });
    } catch {
      // no directory to leave a file in
    }
  }
}

/** The function wrapper Node's CommonJS loader puts around a module; the bundle is written inside it. */
const MODULE_WRAPPER = '(function (exports, require, module, __filename, __dirname) {';

/**
 * Compiles and runs the bundle (its text is already the wrapped function) as a CommonJS module, with
 * the code cache when `cache` names one.
 */
function runBundle(bundle: string, source: string, cache: string | undefined): void {
  const cachedData = cache === undefined ? undefined : readOwnCache(cache);
  const script = new vm.Script(source, {
    filename: bundle,
    cachedData,
    importModuleDynamically: vm.constants.USE_MAIN_CONTEXT_DEFAULT_LOADER,
  });
  if (cache !== undefined && (!cachedData || script.cachedDataRejected))
    process.once('exit', () => saveCache(script, cache));
  const fn = script.runInThisContext() as (...args: unknown[]) => void;
  const mod = { exports: {}, filename: bundle, id: bundle, loaded: false };
  fn.call(mod.exports, mod.exports, createRequire(bundle), mod, bundle, dirname(bundle));
}

// Run from the sources (tsx) or from tsc's output alone, there is no bundle: the entry is required.
// latin1, not utf8: esbuild escapes every non-ASCII character of the code, so only comments can hold
// other bytes, and a one-byte string of the bundle takes half the memory of a two-byte one.
const source = existsSync(entry) ? readFileSync(entry, 'latin1') : '';
if (source.startsWith(MODULE_WRAPPER)) runBundle(entry, source, cachePath(entry, process.argv.slice(2)));
// eslint-disable-next-line @typescript-eslint/no-require-imports -- CommonJS on purpose, see entry.cts
else require('./entry.cjs');
