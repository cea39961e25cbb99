/**
 * Linux signal numbers as names (`SIGTERM`) and as glibc's strsignal() describes them
 * ("Terminated"), for x86-64, arm64 and the other architectures using the generic numbering.
 * Real-time signals are numbered from the kernel's SIGRTMIN (32); glibc reserves 32 and 33 for
 * itself, so its SIGRTMIN, and `kill -l`'s, is 34. No kernel needed.
 */

const NAMES = [
  'SIGHUP',
  'SIGINT',
  'SIGQUIT',
  'SIGILL',
  'SIGTRAP',
  'SIGABRT',
  'SIGBUS',
  'SIGFPE',
  'SIGKILL',
  'SIGUSR1',
  'SIGSEGV',
  'SIGUSR2',
  'SIGPIPE',
  'SIGALRM',
  'SIGTERM',
  'SIGSTKFLT',
  'SIGCHLD',
  'SIGCONT',
  'SIGSTOP',
  'SIGTSTP',
  'SIGTTIN',
  'SIGTTOU',
  'SIGURG',
  'SIGXCPU',
  'SIGXFSZ',
  'SIGVTALRM',
  'SIGPROF',
  'SIGWINCH',
  'SIGIO',
  'SIGPWR',
  'SIGSYS',
];

const DESCRIPTIONS = [
  'Hangup',
  'Interrupt',
  'Quit',
  'Illegal instruction',
  'Trace/breakpoint trap',
  'Aborted',
  'Bus error',
  'Floating point exception',
  'Killed',
  'User defined signal 1',
  'Segmentation fault',
  'User defined signal 2',
  'Broken pipe',
  'Alarm clock',
  'Terminated',
  'Stack fault',
  'Child exited',
  'Continued',
  'Stopped (signal)',
  'Stopped',
  'Stopped (tty input)',
  'Stopped (tty output)',
  'Urgent I/O condition',
  'CPU time limit exceeded',
  'File size limit exceeded',
  'Virtual timer expired',
  'Profiling timer expired',
  'Window changed',
  'I/O possible',
  'Power failure',
  'Bad system call',
];

/** Highest signal number (the kernel's _NSIG). */
export const MAX_SIGNAL = 64;

/** glibc's SIGRTMIN; the two numbers below it belong to the C library's threads. */
const LIBC_SIGRTMIN = 34;

/**
 * The name of signal `sig`: `SIGKILL`; real-time ones as `kill -l` names them (`SIGRTMIN+2`,
 * `SIGRTMAX-1`; `SIG32`/`SIG33` for glibc's own); undefined outside 1..64.
 */
export function signalName(sig: number): string | undefined {
  if (sig >= 1 && sig <= NAMES.length) return NAMES[sig - 1];
  if (sig < 32 || sig > MAX_SIGNAL || !Number.isInteger(sig)) return undefined;
  if (sig < LIBC_SIGRTMIN) return `SIG${sig}`;
  const mid = (LIBC_SIGRTMIN + MAX_SIGNAL) >> 1;
  if (sig === LIBC_SIGRTMIN) return 'SIGRTMIN';
  if (sig === MAX_SIGNAL) return 'SIGRTMAX';
  return sig <= mid ? `SIGRTMIN+${sig - LIBC_SIGRTMIN}` : `SIGRTMAX-${MAX_SIGNAL - sig}`;
}

/** glibc's strsignal(sig): "Killed", "Real-time signal 3", "Unknown signal 99". */
export function signalDescription(sig: number): string {
  if (sig >= 1 && sig <= DESCRIPTIONS.length) return DESCRIPTIONS[sig - 1];
  if (sig >= LIBC_SIGRTMIN && sig <= MAX_SIGNAL) return `Real-time signal ${sig - LIBC_SIGRTMIN}`;
  return `Unknown signal ${sig}`;
}

/** The number of a signal given as a number, a name (`SIGTERM`, `TERM`, any case) or `SIGRTMIN+n`. */
export function parseSignal(text: string): number | undefined {
  if (/^\d+$/.test(text)) {
    const n = Number(text);
    return n >= 1 && n <= MAX_SIGNAL ? n : undefined;
  }
  const want = text.toUpperCase().replace(/^(SIG)?/, 'SIG');
  for (let sig = 1; sig <= MAX_SIGNAL; sig++) if (signalName(sig) === want) return sig;
  return undefined;
}
