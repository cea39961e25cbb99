import { build, decoderFor, load, readPackage, RingBuffer } from 'bpfkit';

/** struct event of hello.h, as the BTF decoder gives it. */
interface Event {
  pid: number;
  comm: string;
  path: string;
}

const seconds = Number(process.argv[2] ?? 10);
const pid = Number(process.argv[3] ?? 0); // 0: every process

// 1. Build: clang compiles the C against this kernel's vmlinux.h; the package holds object and metadata.
const { packagePath } = await build({
  source: 'docs/snippets/hello.bpf.c',
  header: 'docs/snippets/hello.h',
  outDir: 'build/docs',
});

// 2. Load (root): the spec is parsed without the kernel, load() hands it to libbpf with CO-RE.
const { spec } = await readPackage(packagePath);
spec.setGlobal('target_pid', pid); // checked against the global's BTF type (pid_t), no kernel needed
using obj = await load(spec);
obj.attachAll();

// 3. Read: decode each record through the object's BTF, for `seconds` seconds.
const decode = decoderFor<Event>(spec.btf!, spec.struct('event')!.id);
await using events = RingBuffer.open(obj.map('events'));
setTimeout(() => void events.close(), seconds * 1000);
console.log(`tracing openat(2) for ${seconds} s`);
for await (const e of events.records(decode)) {
  console.log(`${e.pid} ${e.comm} ${e.path}`);
}
