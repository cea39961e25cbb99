/** `bpfkit inspect`: placeholder until the command lands. */
import type { Command } from 'commander';

/** Registers the `inspect` subcommand. */
export function register(_program: Command): void {}
