/**
 * What the examples share: building their BPF C at start (clang, into build/examples) and stopping
 * on Ctrl-C, SIGTERM or the end of --duration. Only bpfkit's public API; the signal handlers are the
 * program's, never the library's.
 */
import { fileURLToPath } from 'node:url';
import { BadValueError, BpfkitError, build, readPackage, type PackageSpec } from 'bpfkit';

/** Builds examples/<name>.bpf.c into build/examples/ and reads the package (no kernel, no root). */
export async function buildExample(name: string): Promise<PackageSpec> {
  const { packagePath } = await build({
    source: fileURLToPath(new URL(`${name}.bpf.c`, import.meta.url)),
    outDir: fileURLToPath(new URL('../build/examples/', import.meta.url)),
  });
  return readPackage(packagePath);
}

/** Resolves on SIGINT or SIGTERM, or after `seconds` when given; the handlers go with it. */
export function untilStopped(seconds?: number): Promise<void> {
  return new Promise((resolve) => {
    const stop = (): void => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      clearTimeout(timer);
      resolve();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
    const timer = seconds === undefined ? undefined : setTimeout(stop, seconds * 1000);
  });
}

/** A positive number option; BadValueError naming it otherwise. */
export function positive(name: string, value: string | undefined, fallback?: number): number | undefined {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) {
    throw new BadValueError(`--${name}: '${value}' is not a positive number`, { target: `--${name}`, value });
  }
  return n;
}

/**
 * Runs an example's main: a failure bpfkit reports (or a bad option) is one line on stderr and exit
 * status 2 for a bad value, 1 otherwise; anything else is a bug and keeps its stack trace.
 */
export async function runExample(name: string, main: () => Promise<void>): Promise<void> {
  try {
    await main();
  } catch (e) {
    if (!(e instanceof BpfkitError)) throw e;
    process.stderr.write(`${name}: ${e.message}\n`);
    process.exitCode = e instanceof BadValueError ? 2 : 1;
  }
}
