/**
 * A request's cmd_flags as libbpf-tools' biolatency -F names them: the set flags among a fixed
 * list, each followed by "-", then the operation ("NoMerge-Sync-Write"). The bit positions and
 * operation numbers are those libbpf-tools freezes (Linux 5.x's blk_types.h), which still hold for
 * the flags listed and for Read, Write, Flush and Discard. No kernel needed.
 */

/** Flag bits in print order. */
const FLAGS: [bit: number, name: string][] = [
  [21, 'NoWait-'],
  [20, 'Background-'],
  [19, 'ReadAhead-'],
  [18, 'PreFlush-'],
  [17, 'FUA-'],
  [16, 'Integrity-'],
  [15, 'Idle-'],
  [14, 'NoMerge-'],
  [13, 'Priority-'],
  [12, 'Metadata-'],
  [11, 'Sync-'],
];

/** Operation (the low 8 bits) names by number. */
const OPS: Record<number, string> = {
  0: 'Read',
  1: 'Write',
  2: 'Flush',
  3: 'Discard',
  5: 'SecureErase',
  6: 'ZoneReset',
  7: 'WriteSame',
  8: 'ZoneResetAll',
  9: 'WriteZeroes',
  10: 'ZoneOpen',
  11: 'ZoneClose',
  12: 'ZoneFinish',
  32: 'SCSIIn',
  33: 'SCSIOut',
  34: 'DrvIn',
  35: 'DrvOut',
};

/** "Sync-Write" for REQ_SYNC | REQ_OP_WRITE; "Unknown" for an operation without a name. */
export function blockFlagsText(cmdFlags: number): string {
  let s = '';
  for (const [bit, name] of FLAGS) if (cmdFlags & (1 << bit)) s += name;
  return s + (OPS[cmdFlags & 0xff] ?? 'Unknown');
}
