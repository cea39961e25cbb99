import { build, decoderFor, load, readPackage, RingBuffer } from 'bpfkit';

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

// No poller: nothing is read until this thread calls poll() or drain().
await using ring = RingBuffer.open(obj.map('events'), { poller: false }).onRecord((bytes) => {
  console.log(`exec ${decode(bytes).filename}`);
});
obj.attachAll();

console.log(`tracing exec(2) for ${seconds} s`);
const end = Date.now() + seconds * 1000;
// Each call blocks this thread for up to 100 ms, then hands over what came.
while (Date.now() < end) ring.poll(100);
console.log(`${ring.stats.records} records, ${ring.stats.wakeups} wake-ups`);
