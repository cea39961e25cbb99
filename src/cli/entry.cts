/**
 * The CLI's entry (bin.cts compiles and runs it): runs the command line and sets the exit status.
 *
 * It is CommonJS on purpose. Node sets up its ESM loader only when the first ES module loads, which
 * costs about 17 ms on top of the ~30 ms Node needs to start; resolving and linking the dumper's
 * dozen ES modules costs about as much again. A plain `btf dump` command line (scripts that make a
 * vmlinux.h run it) therefore loads dist/cli/btf-dump.cjs, a single CommonJS bundle of
 * commands/btf-dump.ts and the dumpers built by `npm run build`, and never starts the ESM loader.
 * Every other command line goes to the ES module CLI (main.ts).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';

type DumpModule = typeof import('./commands/btf-dump.js');

/** The dump command: the bundle when built, else (running from the sources) the ES module. */
function loadDumper(): Promise<DumpModule> {
  const bundle = join(__dirname, 'btf-dump.cjs');
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- a CommonJS bundle, see above
  if (existsSync(bundle)) return Promise.resolve(require(bundle) as DumpModule);
  return import('./commands/btf-dump.js');
}

async function run(argv: string[]): Promise<number> {
  if (argv[0] === 'btf' && argv[1] === 'dump') {
    const status = await (await loadDumper()).runFast(argv.slice(2));
    if (status !== undefined) return status;
  }
  // A reader that goes away (`bpfkit … | head`) is a normal way for output to end, not an error.
  // (The dump writes with writeSync and handles EPIPE itself; creating process.stdout costs ~2 ms.)
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(0);
  });
  return (await import('./main.js')).main(argv);
}

void run(process.argv.slice(2)).then((status) => {
  process.exitCode = status;
});
