/**
 * `bpfkit map`: loaded maps, in bpftool's formats.
 *   map list|show [id ID | name NAME | pinned PATH] [--json]
 *   map dump MAP [--json]
 * Needs root (CAP_SYS_ADMIN) to walk and open maps by id.
 */
import type { Command } from 'commander';
import { formatMapPlain, listMaps, mapJson, openMaps, parseMapSelector } from '../../loaded/map.js';
import { formatMapDumpPlain, mapDumpJsonLines, mapDumpJsonObject } from '../../loaded/map-dump.js';
import { jsonLine } from '../../loaded/jsonw.js';
import { BpfMap } from '../../maps/map.js';
import { UsageError } from '../../errors/index.js';

const SELECTOR = 'id ID | name NAME | pinned PATH (a bare number is an id)';

function show(words: string[], opts: { json?: boolean }): void {
  const maps = listMaps(parseMapSelector(words));
  const out = opts.json ? maps.map((m) => jsonLine(mapJson(m)) + '\n') : maps.map(formatMapPlain);
  process.stdout.write(out.join(''));
}

function dump(words: string[], opts: { json?: boolean }): void {
  if (words.length === 0) throw new UsageError(`expected a map: ${SELECTOR}`);
  const maps = openMaps(parseMapSelector(words)).map((fd) => BpfMap.fromFd(fd));
  try {
    if (!opts.json) process.stdout.write(formatMapDumpPlain(maps));
    else if (maps.length === 1)
      process.stdout.write([...mapDumpJsonLines(maps[0])].map((l) => l + '\n').join(''));
    else process.stdout.write(maps.map((m) => mapDumpJsonObject(m) + '\n').join(''));
  } finally {
    for (const m of maps) m.close();
  }
}

/** Registers the `map` subcommand. */
export function register(program: Command): void {
  const map = program.command('map').description('Inspect loaded BPF maps (bpftool map compatible)');
  map
    .command('show')
    .alias('list')
    .description('List loaded maps, or the selected ones')
    .argument('[map...]', SELECTOR)
    .option('--json', 'one JSON object per map per line')
    .action((words: string[], opts: { json?: boolean }) => show(words, opts));
  map
    .command('dump')
    .description('Print every entry: through BTF when the map has it, as hex bytes otherwise')
    .argument('<map...>', SELECTOR)
    .option(
      '--json',
      "one JSON object per entry per line (bpftool -j's entry objects); per map when several match",
    )
    .action((words: string[], opts: { json?: boolean }) => dump(words, opts));
  for (const c of [map, ...map.commands]) c.exitOverride();
}
