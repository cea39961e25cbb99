// Bundles the CLI after tsc: dist/cli/entry.cjs becomes one CommonJS file holding every command (each
// initialised only when its command runs), so a start resolves no module graph and never starts
// Node's ESM loader; dist/cli/bin.cjs is the small executable that compiles it with a code cache, and
// dist/cli/btf-dump.cjs the smaller bundle entry.cjs loads for `btf dump`.
// Left outside: koffi (a native addon) and what only `bpfkit export` uses (loaded when it runs).
// Modules that find files next to themselves (new URL('../../x', import.meta.url)) sit two levels
// under the root, as the bundles do, so the bundles give them their own file's URL.
import { build } from 'esbuild';
import { chmodSync } from 'node:fs';

/** Where the bundles go (default dist; the build bench passes its own). */
const out = process.argv[2] ?? 'dist';

/** What Node's CommonJS loader wraps a module in; src/cli/bin.cts checks for it. */
const MODULE_WRAPPER = '(function (exports, require, module, __filename, __dirname) {';

const common = {
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  logLevel: 'warning',
  external: ['koffi', '@opentelemetry/*', 'prom-client', 'zod', 'yaml'],
  define: { 'import.meta.url': '__bpfkit_module_url' },
  banner: { js: "const __bpfkit_module_url = require('node:url').pathToFileURL(__filename).href;" },
};

await Promise.all([
  build({ ...common, entryPoints: ['src/cli/commands/btf-dump.ts'], outfile: `${out}/cli/btf-dump.cjs` }),
  // Written inside the CommonJS function wrapper, so bin.cjs compiles the file's text as it is (no
  // concatenated copy of a megabyte of source in the heap).
  build({
    ...common,
    banner: { js: `${MODULE_WRAPPER}\n${common.banner.js}` },
    footer: { js: '})' },
    entryPoints: ['src/cli/entry.cts'],
    outfile: `${out}/cli/entry.cjs`,
  }),
  // The loader finds the entry bundle at run time: it must not be bundled into it.
  build({
    ...common,
    banner: {},
    external: ['./entry.cjs'],
    entryPoints: ['src/cli/bin.cts'],
    outfile: `${out}/cli/bin.cjs`,
  }),
]);
chmodSync(`${out}/cli/bin.cjs`, 0o755);
