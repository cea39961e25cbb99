/**
 * Comma-separated port lists of the TCP tools' -L/-D/-P options, checked the way the peers check
 * them and held in at most MAX_PORTS entries (the BPF side's 0-terminated lists). No kernel needed.
 */
import { ToolUsageError } from '../errors/index.js';

/** Entries of a port list global (tools/include/net.bpf.h). */
export const MAX_PORTS = 64;

/** A parser of `80,443`: ports 1..65535, at most MAX_PORTS, else the message with the text for %s. */
export function portList(message: string): (text: string) => number[] {
  return (text) => {
    const items = text.split(',');
    const ports = items.map((s) => (/^\s*\d+\s*$/.test(s) ? Number(s) : NaN));
    if (ports.length > MAX_PORTS || ports.some((p) => !(p >= 1 && p <= 65535)))
      throw new ToolUsageError(message.replace('%s', text));
    return ports;
  };
}
