import { build, readPackage } from 'bpfkit';

// Compile and package (needs clang, not root): what `bpfkit build hello.bpf.c hello.h -o build/docs` does.
const result = await build({
  source: 'docs/snippets/hello.bpf.c',
  header: 'docs/snippets/hello.h', // its structs are the event types
  outDir: 'build/docs',
});
console.log(`wrote ${result.packagePath} (object: ${result.objectPath})`);
for (const w of result.warnings) console.log(`warning: ${w}`);

// A package is self-contained: read it anywhere, without clang or the source.
const { spec, meta } = await readPackage(result.packagePath);
for (const p of meta!.programs) console.log(`program ${p.name}: ${p.attach} ${p.section}`);
for (const m of meta!.maps) console.log(`map ${m.name}: ${m.type}, records are struct ${m.exportType}`);
for (const g of meta!.globals) console.log(`option --${g.cmdarg?.long} (${g.type}): ${g.description}`);
console.log(
  `object: ${spec.bytes.length} bytes, ${spec.programs.length} program(s), license ${spec.license}`,
);
