// Reading clang's JSON AST with system headers' declarations left as stubs gives what a full parse
// gives for everything bpfkit reads (no kernel needed).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { ROOT } from '../helpers/bpf.js';
import { BPFKIT_INCLUDE_DIR, findClang, baseFlags, includeFlags, runClang } from '../../src/build/clang.js';
import { readAst, type AstDump } from '../../src/build/ast.js';
import { collectDocs } from '../../src/build/docs.js';
import { findEventUses } from '../../src/build/exports.js';
import { ensurePch, ensureVmlinuxHeader } from '../../src/build/vmlinux.js';
import { bpfkitVersion } from '../../src/build/index.js';
import { testEnv } from './helpers.js';

async function dump(source: string): Promise<{ json: Buffer; skip: string[] }> {
  const clang = findClang();
  const vm = await ensureVmlinuxHeader({ version: bpfkitVersion(), env: testEnv() });
  const pch = await ensurePch(clang, vm);
  assert.ok(pch, 'clang precompiles vmlinux.h');
  const args = ['-include-pch', pch, ...baseFlags(), ...includeFlags(vm.dir)];
  const r = await runClang(clang, [...args, '-Xclang', '-ast-dump=json', '-fsyntax-only', source], {
    wantStdout: true,
  });
  assert.equal(r.code, 0, r.stderr);
  return { json: r.stdout, skip: ['/usr/include/', BPFKIT_INCLUDE_DIR + '/', vm.dir + '/'] };
}

function located(d: AstDump): string[] {
  return d.decls.map((x) => `${x.node.kind} ${x.node.name ?? ''} ${x.file}:${x.line}`);
}

for (const example of ['opensnoop', 'runqlat']) {
  test(`stubs for system headers read the same as a full parse (${example})`, async () => {
    const { json, skip } = await dump(join(ROOT, 'examples', example, `${example}.bpf.c`));
    const full = readAst(json);
    const lazy = readAst(json, undefined, skip);
    assert.deepEqual(located(lazy), located(full), 'every declaration, its kind, name, file and line');
    assert.deepEqual(lazy.files, full.files);
    assert.deepEqual(collectDocs(lazy, skip), collectDocs(full, skip));
    assert.deepEqual(findEventUses(lazy, skip), findEventUses(full, skip));
    const stubs = lazy.decls.filter((d) => !d.node.id);
    assert.ok(stubs.length > lazy.decls.length / 2, `most declarations are stubs (${stubs.length})`);
    assert.ok(
      stubs.every((d) => skip.some((s) => d.file.startsWith(s)) && d.node.kind !== 'TypedefDecl'),
      'only non-typedef declarations from system headers are stubs',
    );
  });
}

test('a dump not laid out as clang prints it is parsed whole', () => {
  const loc = { offset: 0, file: '/usr/include/x.h', line: 3, col: 1 };
  const json = JSON.stringify({ kind: 'TranslationUnitDecl', inner: [{ id: '0x1', kind: 'VarDecl', name: 'v', loc }] });
  const d = readAst(json, '/', ['/usr/include/']);
  assert.equal(d.decls[0].node.id, '0x1');
  assert.equal(d.decls[0].file, '/usr/include/x.h');
  assert.equal(d.decls[0].line, 3);
});
