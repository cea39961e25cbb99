import { build, decoderFor, load, readPackage, RingBuffer } from 'bpfkit';

/** struct exec_event of execs.bpf.c. */
interface ExecEvent {
  pid: number;
  ppid: number;
  comm: string;
  filename: string;
}

const seconds = Number(process.argv[2] ?? 10);

const { packagePath } = await build({ source: 'docs/snippets/execs.bpf.c', outDir: 'build/docs' });
const { spec } = await readPackage(packagePath);
using obj = await load(spec);

// Open the reader before attaching: records sent in between wait in the ring.
const decode = decoderFor<ExecEvent>(spec.btf!, spec.struct('exec_event')!.id);
await using ring = RingBuffer.open(obj.map('events'));
obj.attachAll();

// close() ends the for-await loop; so does `break` (which closes the reader too).
setTimeout(() => void ring.close(), seconds * 1000);
console.log(`tracing exec(2) for ${seconds} s`);
for await (const e of ring.records(decode)) {
  console.log(`exec pid=${e.pid} ppid=${e.ppid} comm=${e.comm} ${e.filename}`);
}
console.log(`${ring.stats.records} records`);
