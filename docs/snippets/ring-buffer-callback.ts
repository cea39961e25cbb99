import { setTimeout as sleep } from 'node:timers/promises';
import { build, decoderFor, load, readPackage, RingBuffer, RingBufLossCounter } from 'bpfkit';

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
const decode = decoderFor<ExecEvent>(spec.btf!, spec.struct('exec_event')!.id);

// A callback gets a view into the ring, valid only during the call: decode (or copy) it there.
await using ring = RingBuffer.open(obj.map('events')).onRecord((bytes) => {
  const e = decode(bytes);
  console.log(`exec ${e.filename} (${bytes.length} bytes)`);
});
obj.attachAll();

// A full ring buffer drops records in the kernel: bpfkit_ringbuf_reserve() counts them in .bss.
const lost = spec.globals.find((g) => g.name === 'bpfkit_rb_lost')!;
const bss = obj.maps.find((m) => m.spec.section === lost.section)!;
const losses = new RingBufLossCounter(bss.fd, lost.offset, bss.valueSize);

console.log(`tracing exec(2) for ${seconds} s`);
await sleep(seconds * 1000);
const { records, batches, wakeups } = ring.stats;
console.log(`${records} records in ${batches} batches, ${wakeups} wake-ups, ${losses.poll()} lost`);
