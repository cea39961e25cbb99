/** `bpfkit build`: placeholder until the command lands. */
import type { Command } from 'commander';

/** Registers the `build` subcommand. */
export function register(_program: Command): void {}
