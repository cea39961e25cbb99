/**
 * oomkill: OOM kills with the triggering and the killed process, with the banner and line of
 * libbpf-tools' oomkill (tools/oomkill/oomkill.bpf.c is the kernel side: oom:mark_victim through
 * tp_btf or its raw tracepoint; the peer uses a kprobe on oom_kill_process). Reads /proc/loadavg.
 */
import { readFileSync } from 'node:fs';
import { clock } from '../cli/output/table.js';
import type { Decoded } from '../btf/decode.js';
import { defineTool } from './define.js';
import type { CommonOptions } from './session.js';

interface OomEvent {
  fpid: number;
  tpid: number;
  fcomm: string;
  tcomm: string;
  totalVm: bigint;
  uid: number;
}

/** The load average as /proc/loadavg has it, or undefined when it cannot be read. */
function loadavg(): string | undefined {
  try {
    return readFileSync('/proc/loadavg', 'utf8').trim();
  } catch {
    return undefined;
  }
}

function line(e: OomEvent): string {
  const load = loadavg();
  return (
    `${clock()} Triggered by PID ${e.fpid} ("${e.fcomm}"), OOM kill of PID ${e.tpid} ("${e.tcomm}"), ` +
    `${e.totalVm} pages${load === undefined ? '' : `, loadavg: ${load}`}`
  );
}

/** The oomkill tool. Runs as root (CAP_BPF + CAP_PERFMON) on a kernel with BTF. */
export default defineTool<CommonOptions, OomEvent>({
  name: 'oomkill',
  summary: 'Trace OOM kills.',
  usage: `USAGE: oomkill [-h] [--json]

EXAMPLES:
    oomkill               # trace OOM kills
    oomkill --json        # one JSON object per kill`,
  options: [],
  hooks: [{ what: 'OOM victims', use: [['tp_btf/mark_victim'], ['raw_tp/mark_victim']] }],
  notes: [
    'Uses oom:mark_victim through tp_btf, or its raw tracepoint; libbpf-tools uses a kprobe on oom_kill_process().',
    "\"pages\" is the victim's address space (total_vm) in pages: the tracepoint cannot reach the OOM domain's size (oom_control's totalpages), which libbpf-tools prints there.",
    'One line per task marked as victim: with memory.oom.group every killed task is shown; a task that was already exiting is its own trigger.',
    'The load average is printed after one "loadavg: " (upstream bcc prints the prefix twice).',
  ],
  jsonFields: [
    ['time', 'when the event was printed (ISO 8601, UTC)'],
    ['trigger_pid, trigger_comm', 'the process whose allocation triggered the kill'],
    ['victim_pid, victim_comm', 'the process killed'],
    ['victim_uid', "the victim's uid"],
    ['victim_total_vm_pages', "the victim's address space, in pages"],
    ['loadavg', 'the content of /proc/loadavg, null when unreadable'],
  ],
  configure() {},
  event: (f: { [field: string]: Decoded }) => ({
    fpid: f.fpid as number,
    tpid: f.tpid as number,
    fcomm: f.fcomm as string,
    tcomm: f.tcomm as string,
    totalVm: f.total_vm as bigint,
    uid: f.uid as number,
  }),
  banner: () => 'Tracing OOM kills... Ctrl-C to stop.',
  header: () => false,
  columns: [{ header: ['', ''], cell: ['%s', line] }],
  json: (e) => ({
    time: new Date().toISOString(),
    trigger_pid: e.fpid,
    trigger_comm: e.fcomm,
    victim_pid: e.tpid,
    victim_comm: e.tcomm,
    victim_uid: e.uid,
    victim_total_vm_pages: e.totalVm,
    loadavg: loadavg() ?? null,
  }),
});
