/** `bpfkit probes`: placeholder until the command lands. */
import type { Command } from 'commander';

/** Registers the `probes` subcommand. */
export function register(_program: Command): void {}
