/** `bpfkit prog`: placeholder until the command lands. */
import type { Command } from 'commander';

/** Registers the `prog` subcommand. */
export function register(_program: Command): void {}
