/** `bpfkit map`: placeholder until the command lands. */
import type { Command } from 'commander';

/** Registers the `map` subcommand. */
export function register(_program: Command): void {}
