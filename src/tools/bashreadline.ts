/**
 * bashreadline: the lines interactive bash shells read, with the options, header and rows of
 * libbpf-tools' bashreadline (tools/bashreadline/bashreadline.bpf.c is the kernel side: a
 * uretprobe on readline(), in /bin/bash or in the libreadline it is linked with, or in -s PATH).
 */
import { clock } from '../cli/output/table.js';
import type { Decoded } from '../btf/decode.js';
import { BpfkitError, NotFoundError } from '../errors/index.js';
import { resolveUprobe, resolveUprobeInDeps, type UprobeLocation } from '../links/uprobe-target.js';
import { defineTool } from './define.js';
import type { CommonOptions } from './session.js';

interface Options extends CommonOptions {
  shared?: string;
}

interface ReadlineEvent {
  pid: number;
  command: string;
}

const BASH = '/bin/bash';

/** Where readline() is: in -s PATH, else in bash or a library bash needs. */
function readlineIn(shared: string | undefined): UprobeLocation {
  try {
    return shared === undefined ? resolveUprobeInDeps(BASH, 'readline') : resolveUprobe(shared, 'readline');
  } catch (e) {
    if (!(e instanceof BpfkitError)) throw e;
    const where = shared ?? `${BASH} or the libraries it needs`;
    const why = e instanceof NotFoundError ? '' : `: ${e.message.replace(/^uprobe: /, '')}`;
    throw new NotFoundError(`could not find readline in ${where}${why}`, {
      what: 'function',
      key: 'readline',
    });
  }
}

/** The bashreadline tool. Runs as root (CAP_BPF + CAP_PERFMON) on a kernel with uprobes. */
export default defineTool<Options, ReadlineEvent>({
  name: 'bashreadline',
  summary: 'Print entered bash commands from all running shells.',
  usage: `USAGE: bashreadline [-s <path/to/libreadline.so>] [--json]

EXAMPLES:
    bashreadline
    bashreadline -s /usr/lib/libreadline.so
    bashreadline --json       # one JSON object per line read`,
  options: [{ flags: '-s, --shared <PATH>', help: 'the location of libreadline.so library' }],
  hooks: [{ what: 'readline() returns', use: [['uretprobe']] }],
  notes: [
    "Finds readline in /bin/bash's own symbols, else in the DT_NEEDED libraries of /bin/bash, read from their ELF files (the peer asks ldd for libreadline).",
    'A readline that cannot be found is an error (exit 1); the peer prints it and exits 0.',
    'Lines are cut at 79 bytes, as by the peer; only tasks named exactly "bash" are reported.',
  ],
  jsonFields: [
    ['time', 'when the line was printed (ISO 8601, UTC)'],
    ['pid', 'the bash process'],
    ['command', 'the line read (at most 79 bytes)'],
  ],
  configure() {},
  attachOptions(o) {
    return { uprobe: `${readlineIn(o.shared).binary}:readline` };
  },
  event: (f: { [field: string]: Decoded }) => ({ pid: f.pid as number, command: f.str as string }),
  columns: [
    { header: ['%-9s ', 'TIME'], cell: ['%-9s ', () => clock()] },
    { header: ['%-7s ', 'PID'], cell: ['%-7d ', (e) => e.pid] },
    { header: ['%s', 'COMMAND'], cell: ['%s', (e) => e.command] },
  ],
  json: (e) => ({ time: new Date().toISOString(), pid: e.pid, command: e.command }),
});
