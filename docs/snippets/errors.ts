import {
  BadValueError,
  BpfkitError,
  build,
  BuildError,
  ClosedError,
  CompileError,
  load,
  NotFoundError,
  NotSupportedError,
  readPackage,
  StateError,
  VerifierError,
} from 'bpfkit';

/** What each error says beyond its message, from its structured fields. */
function fields(e: unknown): string {
  if (e instanceof VerifierError) return `program=${e.program} log: ${e.log.split('\n').length} lines`;
  if (e instanceof NotSupportedError) return `feature=${e.feature} program=${e.program}`;
  if (e instanceof NotFoundError) return `what=${e.what} key=${e.key} available=${e.available?.join(',')}`;
  if (e instanceof BadValueError) return `target=${e.target} value=${String(e.value)} type=${e.type}`;
  if (e instanceof CompileError) return `file=${e.file} diagnostics: ${e.diagnostics.split('\n')[0]}`;
  if (e instanceof BuildError) return `file=${e.file}`;
  if (e instanceof ClosedError) return `handle=${e.handle} operation=${e.operation}`;
  if (e instanceof StateError) return `state=${e.state}`;
  return '';
}

/** A CLI's exit status: 2 for a value the user gave that does not fit, 1 for any other failure. */
function exitStatus(e: unknown): number {
  return e instanceof BadValueError ? 2 : 1;
}

/** Runs `f`, which must fail, and prints the error as a CLI would (one line) plus its fields. */
async function expectFailure(what: string, f: () => unknown): Promise<void> {
  try {
    await f();
    console.log(`${what}: no error`);
  } catch (e) {
    if (!(e instanceof BpfkitError)) throw e; // a bug, not a failure bpfkit reports
    console.log(`${what}: ${e.name} (exit ${exitStatus(e)}) ${fields(e)}`);
    console.log(`  ${e.message}`);
  }
}

const pkg = async (source: string) =>
  (await readPackage((await build({ source, outDir: 'build/docs' })).packagePath)).spec;
const spec = await pkg('docs/snippets/hello.bpf.c');

// Spec layer: no kernel, no root.
await expectFailure('bad value', () => spec.setGlobal('target_pid', 'abc'));
await expectFailure('unknown global', () => spec.setGlobal('target_pdi', 1));
await expectFailure('compile', () => build({ source: 'docs/snippets/broken.bpf.c', outDir: 'build/docs' }));
await expectFailure('wrong header', () =>
  build({ source: 'docs/snippets/counts.bpf.c', header: 'docs/snippets/hello.h', outDir: 'build/docs' }),
);

// Kernel layer (root).
await expectFailure('verifier', async () => load(await pkg('docs/snippets/rejected.bpf.c')));
await expectFailure('missing hook', async () => load(await pkg('docs/snippets/missing-hook.bpf.c')));
{
  using obj = await load(spec);
  await expectFailure('unknown map', () => obj.map('event'));
  await expectFailure('too late', () => obj.setGlobal('target_pid', 1));
  obj.close();
  await expectFailure('closed', () => obj.attachAll());
}
