import { setTimeout as sleep } from 'node:timers/promises';
import { build, load, readPackage } from 'bpfkit';

/** struct opener of counts.bpf.c as BTF decodes it (a type alias, so that it is also Encodable). */
type Key = {
  uid: number;
  comm: string;
};

const seconds = Number(process.argv[2] ?? 5);

const { packagePath } = await build({ source: 'docs/snippets/counts.bpf.c', outDir: 'build/docs' });
const { spec } = await readPackage(packagePath);
using obj = await load(spec);
obj.attachAll();
console.log(`counting openat(2) for ${seconds} s`);
await sleep(seconds * 1000);

// A hash map: iterate decoded [key, value] pairs (u64 values are bigint).
const opens = obj.map('opens');
const rows = [...opens.entries()] as [Key, bigint][];
rows.sort((a, b) => Number(b[1] - a[1]));
for (const [key, count] of rows) console.log(`${String(count).padStart(6)} uid ${key.uid} ${key.comm}`);

// Look one key up, and update it: keys and values are encoded through BTF too.
const first = rows[0]?.[0];
if (first) {
  opens.update(first, 0n);
  console.log(`reset ${first.comm}: ${opens.lookup(first)}`);
}

// A per-CPU array: one value per possible CPU.
const perCpu = obj.map('per_cpu');
const slots = perCpu.lookup(0) as bigint[];
const total = slots.reduce((a, b) => a + b, 0n);
console.log(`per CPU: ${slots.join(' ')} (total ${total})`);
perCpu.update(
  0,
  slots.map(() => 0n),
); // one value per CPU again
console.log(`after reset: ${(perCpu.lookup(0) as bigint[]).reduce((a, b) => a + b, 0n)}`);
