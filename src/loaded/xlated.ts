/**
 * Fetches what a `prog dump xlated` needs from the kernel: the verifier-rewritten instructions,
 * func_info and line_info records, the program's BTF (standalone BTF loaded with the program, by
 * its btf_id) and the JITed symbol addresses used to name bpf-to-bpf calls. Needs CAP_SYS_ADMIN
 * and a kernel.kptr_restrict setting that lets root see instructions and addresses.
 */
import { readFileSync } from 'node:fs';
import { closeFd } from '../sys/bpf.js';
import { progInfo, type ProgInfo } from '../sys/objinfo.js';
import { NotFoundError, PermissionError } from '../errors/index.js';
import { parseFuncInfoArray, parseLineInfoArray, type XlatedProgram } from '../asm/xlated.js';
import { kallsymsCallResolver } from '../asm/kallsyms.js';
import type { CallResolver } from '../asm/format.js';
import { loadBtfById } from '../sys/btf-object.js';
import { openProgs, type ProgSelector } from './prog.js';

/** A loaded program's xlated dump inputs. */
export interface FetchedXlated extends XlatedProgram {
  info: ProgInfo;
  /** Kernel addresses of the JITed main program and subprograms (jited_ksyms). */
  jitedKsyms: bigint[];
}

/** Fetches the xlated code, func/line info, BTF and JITed symbols of the program open as `fd`. */
export function fetchXlatedFd(fd: number): FetchedXlated {
  const info = progInfo(fd, { xlated: true, funcInfo: true, lineInfo: true, jitedKsyms: true });
  if (!info.xlated || info.xlated.length === 0) {
    throw new PermissionError(
      `program ${info.id}: the kernel returned no instructions (kernel.kptr_restrict set, or not root?)`,
    );
  }
  return {
    info,
    insns: info.xlated,
    funcInfo: info.funcInfo?.length ? parseFuncInfoArray(info.funcInfo, info.funcInfoRecSize || 8) : [],
    lineInfo: info.lineInfo?.length ? parseLineInfoArray(info.lineInfo, info.lineInfoRecSize || 16) : [],
    btf: info.btfId ? loadBtfById(info.btfId) : undefined,
    jitedKsyms: info.jitedKsyms ?? [],
  };
}

/** Fetches the xlated dump inputs of program `id` (see fetchXlatedFd). */
export function fetchXlated(id: number): FetchedXlated {
  const fd = openOne({ id });
  try {
    return fetchXlatedFd(fd);
  } finally {
    closeFd(fd);
  }
}

function openOne(sel: ProgSelector): number {
  const [fd, ...rest] = openProgs(sel);
  for (const f of rest) closeFd(f);
  if (fd === undefined) throw new NotFoundError('no such program', { what: 'program' });
  return fd;
}

/**
 * The call-name resolver bpftool uses for a program: helper/kfunc targets from /proc/kallsyms and
 * subprograms from the program's JITed symbols. Undefined when /proc/kallsyms cannot be read.
 */
export function callResolverFor(prog: FetchedXlated): CallResolver | undefined {
  let text: string;
  try {
    text = readFileSync('/proc/kallsyms', 'utf8');
  } catch {
    return undefined;
  }
  return kallsymsCallResolver({ kallsyms: text, jitedKsyms: prog.jitedKsyms });
}
