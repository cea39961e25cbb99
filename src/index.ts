/**
 * bpfkit's library API: the spec layer (ELF, BTF, object specs, decoding), the kernel layer (objects,
 * links, maps, readers) and typed errors. See README.md for an example.
 */
export * from './errors/index.js';
export { ElfFile } from './elf/reader.js';
export { Btf, VMLINUX_BTF_PATH } from './btf/btf.js';
export type * from './btf/types.js';
export { decoderFor, toJson, type Decoded, type Decoder } from './btf/decode.js';
export { encodeValue, type Encodable } from './btf/encode.js';
export { ObjectSpec, MAP_TYPES, type ProgramSpec, type MapSpec, type GlobalSpec } from './spec/object.js';
export { sectionInfo, type SectionInfo, type AttachKind } from './spec/sections.js';
export { BpfObject, type OpenOptions, type Program, type ObjectMap } from './object/collection.js';
export { setLibbpfLog, type LogSink } from './sys/libbpf-log.js';
export { loadChosen, attachChosen, type ChooseOptions, type ChoiceReporter } from './object/choose.js';
export { programAlternatives, programStem, type AlternativeGroup } from './spec/alternatives.js';
export {
  planPrograms,
  type ProgramChoice,
  type ProgramPlan,
  type SkippedProgram,
} from './spec/program-plan.js';
export { defaultMapSize, parseMaxEntries, type MapSize } from './spec/map-sizes.js';
export { hookMissing } from './links/hook-support.js';
export { closeAll } from './object/cleanup.js';
export type { Link, AttachOptions } from './links/attach.js';
export type { TcMode } from './links/net.js';
export { netHookDefaults, type NetHookDefaults } from './package/net-hooks.js';
export { RingBufReader, type RingBufOptions } from './ringbuf/reader.js';
export { RingBufLossCounter, RINGBUF_LOST_VAR } from './ringbuf/losses.js';
export { PerfEventArrayReader } from './perf/reader.js';
export { EventReader, type RecordHandler, type LostHandler, type ReaderStats } from './events/stream.js';
export type { RecordBatch, BatchHandler } from './events/batch.js';
export { Poller } from './events/poller.js';
export {
  chooseEventType,
  eventMaps,
  eventTypeFor,
  settleEventType,
  type EventChoice,
  type EventType,
} from './events/event-type.js';
export { TracePipe } from './trace/pipe.js';
export { ensureMounts } from './sys/mounts.js';
export type * from './package/types.js';
export {
  loadGenerated,
  type EmbeddedObject,
  type GeneratedTypes,
  type GeneratedObject,
  type GeneratedProgram,
  type GeneratedLoadOptions,
  type TypedMap,
} from './gen/runtime.js';
