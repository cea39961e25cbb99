/**
 * Where the built-in tools' packages live: `tools/<name>/<name>.bpfkit.json` at the root of the
 * bpfkit package (two levels up from src/tools and from dist/tools), shipped in the npm package.
 * Loading one needs no kernel and no compiler.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { FormatError, NotFoundError, ReadError } from '../errors/index.js';
import { decodePackage, PACKAGE_SUFFIX, type DecodedPackage } from '../package/format.js';
import type { RunTarget } from '../package/types.js';
import { toolFor } from './registry.js';

/** The directory holding the tools' sources and packages. */
export const TOOLS_DIR = fileURLToPath(new URL('../../tools', import.meta.url));

/** Path of tool `name`'s package. */
export function toolPackagePath(name: string, dir = TOOLS_DIR): string {
  return join(dir, name, `${name}${PACKAGE_SUFFIX}`);
}

/** Reads and checks tool `name`'s package; throws NotFoundError, ReadError or FormatError when it is missing or damaged. */
export function loadToolPackage(name: string, dir = TOOLS_DIR): DecodedPackage {
  const path = toolPackagePath(name, dir);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT')
      throw new NotFoundError(`${path}: missing (run scripts/build-tools.sh)`, {
        what: 'package',
        key: path,
      });
    throw new ReadError(`${path}: ${(e as Error).message}`, { path, code });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new FormatError(`${path}: not JSON (run scripts/build-tools.sh)`);
  }
  return decodePackage(json, path);
}

/**
 * Built-in tool (or alias) `name` as a loadable target, for configs that name a tool (the
 * exporter's `tool:`); its programs' options are its globals. Throws NotFoundError for no such tool.
 */
export async function toolTarget(name: string): Promise<RunTarget> {
  const tool = toolFor(name);
  if (!tool)
    throw new NotFoundError(`no built-in tool '${name}' (bpfkit tools lists them)`, {
      what: 'tool',
      key: name,
    });
  const pkg = loadToolPackage(tool);
  return { source: `tool ${name}`, object: pkg.object, meta: pkg.meta };
}
