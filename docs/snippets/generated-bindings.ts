// generated/hello.ts comes from: bpfkit gen docs/snippets/hello.bpf.c -o docs/snippets/generated/hello.ts
import * as hello from './generated/hello.js';

const seconds = Number(process.argv[2] ?? 10);

// Globals are a typed options object: a misspelt name or a string for a pid_t does not compile.
await using obj = await hello.load({ target_pid: 0 });
setTimeout(() => void obj.close(), seconds * 1000);
console.log(`tracing openat(2) for ${seconds} s (target_pid ${obj.globals.target_pid})`);

// Records are typed (hello.Event): ev.path is a string, a misspelt field does not compile.
for await (const ev of obj.events) {
  const e: hello.Event = ev;
  console.log(`${e.pid} ${e.comm} ${e.path}`);
}
