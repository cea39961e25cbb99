/** `bpfkit btf`: placeholder until the command lands. */
import type { Command } from 'commander';

/** Registers the `btf` subcommand. */
export function register(_program: Command): void {}
