/** The quick name scan of raw BTF now lives with the other raw-BTF readers (btf/scan.ts). */
export { BTF_KIND, scanBtfNames } from '../btf/scan.js';
