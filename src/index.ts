/**
 * bpfkit's library API, in the order a program uses it:
 *
 * 1. Spec (no kernel, no root): `readPackage(path)` or `new ObjectSpec(bytes)` parses an object;
 *    `spec.setGlobal(name, value)` checks a value against the global's BTF type.
 * 2. Kernel: `load(spec, options)` opens, sizes and loads it (CO-RE by libbpf) into a `BpfObject`;
 *    `obj.attachAll()` or `obj.program(name).attach()` gives `Link`s; `obj.map(name)` a `BpfMap`;
 *    `RingBuffer.open(map)` / `PerfBuffer.open(map)` stream its records, decoded by `decoderFor`.
 * 3. Everything is closed by `close()` (or `using`); the library never handles signals or exits.
 *
 * Also here: `build()` (C source to package, needs clang), `loadGenerated` (what `bpfkit gen`
 * modules call) and the typed errors. The exporter is the `bpfkit/export` entry point.
 */

// Errors: every deliberate failure is a BpfkitError subclass with structured fields.
export {
  AttachError,
  BadValueError,
  BpfkitError,
  BuildError,
  ClosedError,
  CompileError,
  FormatError,
  LoadError,
  MissingDependencyError,
  NotFoundError,
  NotSupportedError,
  PermissionError,
  ReadError,
  ShortRecordError,
  StateError,
  SyscallError,
  VerifierError,
  WriteError,
  type NotFoundKind,
} from './errors/index.js';

// Spec layer.
export { ObjectSpec, MAP_TYPES, type ProgramSpec, type MapSpec, type GlobalSpec } from './spec/object.js';
export type { SectionInfo, AttachKind } from './spec/sections.js';
export { Btf, VMLINUX_BTF_PATH } from './btf/btf.js';
export type { BtfType } from './btf/types.js';
export { decoderFor, toJson, type Decoded, type Decoder } from './btf/decode.js';
export type { Encodable } from './btf/encode.js';
export { readPackage, type PackageSpec, type ReadOptions } from './package/load.js';
export type {
  CmdArg,
  GlobalMeta,
  JsonValue,
  MapMeta,
  PackageMeta,
  ProgramMeta,
  SampleMeta,
} from './package/types.js';
export { eventTypeFor, type EventType } from './events/event-type.js';

// Kernel layer.
export { load, type LoadOptions } from './object/load.js';
export { BpfObject, Program, type OpenOptions, type ObjectMap } from './object/collection.js';
export type { ChoiceReporter } from './object/choose.js';
export { BpfMap, type MapInput, type MapItem, type MapValue, type UpdateFlag } from './maps/map.js';
export { Link } from './links/link.js';
export type { AttachOptions } from './links/attach.js';
export type { TcMode } from './links/net.js';
export { RingBufReader as RingBuffer, type RingBufOptions } from './ringbuf/reader.js';
export { PerfEventArrayReader as PerfBuffer, type PerfReaderOptions } from './perf/reader.js';
export { RingBufLossCounter } from './ringbuf/losses.js';
export {
  EventReader,
  type RecordHandler,
  type RawRecordHandler,
  type LostHandler,
  type ReaderStats,
  type IteratorOptions,
  type ReaderPoller,
} from './events/stream.js';
export type { RecordBatch, BatchHandler } from './events/batch.js';
export { Poller, type PollerOptions } from './events/poller.js';
export { setLibbpfLog, type LogSink } from './sys/libbpf-log.js';

// Features a library user calls directly.
export { build, type BuildOptions, type BuildResult } from './build/index.js';
export {
  loadGenerated,
  type EmbeddedObject,
  type GeneratedTypes,
  type GeneratedObject,
  type GeneratedProgram,
  type GeneratedLoadOptions,
  type TypedMap,
} from './gen/runtime.js';
