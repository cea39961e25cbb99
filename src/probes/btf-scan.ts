/** The quick name scans of raw BTF live with the other raw-BTF readers (btf/scan.ts). */
export { BTF_KIND, findBtfTypeId, scanBtfNames } from '../btf/scan.js';
