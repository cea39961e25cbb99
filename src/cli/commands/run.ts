/** `bpfkit run`: placeholder until the command lands. */
import type { Command } from 'commander';

/** Registers the `run` subcommand. */
export function register(_program: Command): void {}
