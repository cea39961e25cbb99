/**
 * exec-audit: writes one JSON line per exec(2) (time, pid, ppid, uid, comm, filename, args) to a
 * file, rotating it by size: when the next line would pass --max-bytes, FILE becomes FILE.1 (FILE.1
 * becomes FILE.2, …) and only --keep rotated files are kept.
 *
 *   node --import tsx examples/exec-audit.ts --output FILE [--max-bytes N] [--keep N] [--duration S]
 *
 * Needs root; builds examples/exec-audit.bpf.c with clang at start.
 */
import { closeSync, existsSync, fstatSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { BadValueError, decoderFor, load, RingBuffer, RingBufLossCounter } from 'bpfkit';
import { buildExample, positive, runExample, untilStopped } from './common.js';

/** struct exec_record of exec-audit.bpf.c, as BTF decodes it (its `args` bytes are read raw). */
interface ExecRecord {
  pid: number;
  ppid: number;
  uid: number;
  args_size: number;
  comm: string;
  filename: string;
}

/** An append-only log file rotated by size. */
class RotatingLog {
  private fd: number;
  private size: number;
  constructor(
    private readonly path: string,
    private readonly maxBytes: number,
    private readonly keep: number,
  ) {
    this.fd = openSync(path, 'a');
    this.size = fstatSync(this.fd).size;
  }
  write(line: string): void {
    const bytes = Buffer.from(line + '\n');
    if (this.size > 0 && this.size + bytes.length > this.maxBytes) this.rotate();
    writeSync(this.fd, bytes);
    this.size += bytes.length;
  }
  close(): void {
    closeSync(this.fd);
  }
  private rotate(): void {
    closeSync(this.fd);
    rmSync(`${this.path}.${this.keep}`, { force: true });
    for (let i = this.keep - 1; i >= 1; i--) {
      if (existsSync(`${this.path}.${i}`)) renameSync(`${this.path}.${i}`, `${this.path}.${i + 1}`);
    }
    renameSync(this.path, `${this.path}.1`);
    this.fd = openSync(this.path, 'a');
    this.size = 0;
  }
}

await runExample('exec-audit', async () => {
  const { values } = parseArgs({
    options: {
      output: { type: 'string', short: 'o' },
      'max-bytes': { type: 'string' },
      keep: { type: 'string' },
      duration: { type: 'string' },
    },
  });
  if (!values.output)
    throw new BadValueError('--output FILE is required', { target: '--output', value: undefined });
  const output = values.output;
  const maxBytes = positive('max-bytes', values['max-bytes'], 10 * 1024 * 1024)!;
  const keep = Math.floor(positive('keep', values.keep, 5)!);
  const duration = positive('duration', values.duration);

  const { spec } = await buildExample('exec-audit');
  using obj = await load(spec, { name: 'exec_audit' });
  const type = spec.struct('exec_record')!;
  const decode = decoderFor<ExecRecord>(spec.btf!, type.id);
  // __u8[] decodes as a string up to its first NUL; argv is NUL-separated, so take its bytes.
  const argsOffset = type.kind === 'struct' ? type.members.find((m) => m.name === 'args')!.bitOffset / 8 : 0;
  const log = new RotatingLog(output, maxBytes, keep);
  await using ring = RingBuffer.open(obj.map('events')).onRecord((bytes) => {
    const r = decode(bytes);
    const argv = bytes.subarray(argsOffset, argsOffset + r.args_size);
    const args = Buffer.from(argv).toString().split('\0');
    if (args.at(-1) === '') args.pop();
    const { pid, ppid, uid, comm, filename } = r;
    log.write(JSON.stringify({ time: new Date().toISOString(), pid, ppid, uid, comm, filename, args }));
  });
  obj.attachAll();

  // A full ring drops records in the kernel: bpfkit_ringbuf_reserve() counts them in .bss.
  const lostVar = spec.globals.find((g) => g.name === 'bpfkit_rb_lost')!;
  const bss = obj.maps.find((m) => m.spec.section === lostVar.section)!;
  const losses = new RingBufLossCounter(bss.fd, lostVar.offset, bss.valueSize);
  const reportLosses = (): void => {
    const n = losses.poll();
    if (n > 0) process.stderr.write(`exec-audit: ${n} execs lost (ring buffer full)\n`);
  };
  const timer = setInterval(reportLosses, 1000);

  process.stderr.write(`exec-audit: writing to ${output}\n`);
  await untilStopped(duration);
  clearInterval(timer);
  await ring.close();
  reportLosses();
  log.close();
});
