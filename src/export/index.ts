/**
 * The exporter's public API (`import { Exporter, loadConfig } from 'bpfkit/export'`), apart from the
 * main entry so that `import 'bpfkit'` does not load the YAML, schema and metrics libraries.
 * Running an exporter needs root (or CAP_BPF + CAP_PERFMON) and kernel BTF.
 */
export { Exporter, type ExporterOptions } from './exporter.js';
export { ConfigError, loadConfig, parseConfig } from './config.js';
export type { ExportConfig, ProgramConfig } from './config-types.js';
export type { ToolLoader } from './source.js';
