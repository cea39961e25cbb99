/**
 * bpfkit's layers, one way: spec (objects on disk, no kernel) -> kernel (objects in the kernel) ->
 * features. eslint.config.js turns this table into import rules; test/layers.test.ts proves they bite.
 * `errors` is shared by every layer.
 */
export const LAYERS = {
  spec: ['elf', 'btf', 'spec', 'asm', 'package'],
  kernel: ['sys', 'object', 'maps', 'links', 'ringbuf', 'perf', 'events', 'trace'],
  features: ['cli', 'build', 'probes', 'loaded', 'objfile', 'tools', 'export', 'gen'],
};

/** Glob patterns matching an import of any folder of `folders` from a file one level below src/. */
export function importsOf(folders) {
  return folders.map((f) => `../${f}/*`);
}
