/**
 * The BTF type model: one plain object per type, discriminated by `kind`. Ids index `Btf.types`; id 0
 * is `void`. Layout follows include/uapi/linux/btf.h.
 */

/** BTF kind numbers, as in the kernel's uapi. */
export const BTF_KIND = {
  int: 1,
  ptr: 2,
  array: 3,
  struct: 4,
  union: 5,
  enum: 6,
  fwd: 7,
  typedef: 8,
  volatile: 9,
  const: 10,
  restrict: 11,
  func: 12,
  func_proto: 13,
  var: 14,
  datasec: 15,
  float: 16,
  decl_tag: 17,
  type_tag: 18,
  enum64: 19,
} as const;

/** Name of a BTF kind. */
export type BtfKindName = keyof typeof BTF_KIND;

interface Common {
  /** Type id (index into Btf.types). */
  id: number;
  /** Name, '' when anonymous. */
  name: string;
}

/** The void type, id 0. */
export interface BtfVoid extends Common {
  kind: 'void';
}
/** An integer: size in bytes, signedness, char and bool markers, bit width and offset. */
export interface BtfInt extends Common {
  kind: 'int';
  size: number;
  signed: boolean;
  char: boolean;
  bool: boolean;
  bits: number;
  bitOffset: number;
}
/** A floating-point type. */
export interface BtfFloat extends Common {
  kind: 'float';
  size: number;
}
/** A pointer to `type`. */
export interface BtfPtr extends Common {
  kind: 'ptr';
  type: number;
}
/** An array of `nelems` elements of `type`. */
export interface BtfArray extends Common {
  kind: 'array';
  type: number;
  indexType: number;
  nelems: number;
}
/** One member of a struct or union. `bitfieldSize` is 0 for ordinary members. */
export interface BtfMember {
  name: string;
  type: number;
  bitOffset: number;
  bitfieldSize: number;
}
/** A struct or union. */
export interface BtfComposite extends Common {
  kind: 'struct' | 'union';
  size: number;
  members: BtfMember[];
}
/** One enumerator. */
export interface BtfEnumValue {
  name: string;
  value: bigint;
}
/** An enum (32-bit values) or enum64. */
export interface BtfEnum extends Common {
  kind: 'enum' | 'enum64';
  size: number;
  signed: boolean;
  values: BtfEnumValue[];
}
/** A forward declaration of a struct or union. */
export interface BtfFwd extends Common {
  kind: 'fwd';
  union: boolean;
}
/** A typedef, a cv-qualifier or a type tag on `type`. */
export interface BtfRef extends Common {
  kind: 'typedef' | 'volatile' | 'const' | 'restrict' | 'type_tag';
  type: number;
}
/** Linkage of functions and variables. */
export const BTF_LINKAGE = { static: 0, global: 1, extern: 2 } as const;
/** A function; `type` is its func_proto. */
export interface BtfFunc extends Common {
  kind: 'func';
  type: number;
  linkage: number;
}
/** One parameter of a function prototype; a last parameter with type 0 means `...`. */
export interface BtfParam {
  name: string;
  type: number;
}
/** A function prototype. */
export interface BtfFuncProto extends Common {
  kind: 'func_proto';
  returnType: number;
  params: BtfParam[];
}
/** A global variable. */
export interface BtfVar extends Common {
  kind: 'var';
  type: number;
  linkage: number;
}
/** One variable placed in a data section. */
export interface BtfVarSecinfo {
  type: number;
  offset: number;
  size: number;
}
/** A data section (.data, .bss, .rodata, .maps, …). */
export interface BtfDatasec extends Common {
  kind: 'datasec';
  size: number;
  vars: BtfVarSecinfo[];
}
/** A declaration tag on `type` (or on member/param `componentIdx`, -1 for the type itself). */
export interface BtfDeclTag extends Common {
  kind: 'decl_tag';
  type: number;
  componentIdx: number;
}

/** Any BTF type. */
export type BtfType =
  | BtfVoid
  | BtfInt
  | BtfFloat
  | BtfPtr
  | BtfArray
  | BtfComposite
  | BtfEnum
  | BtfFwd
  | BtfRef
  | BtfFunc
  | BtfFuncProto
  | BtfVar
  | BtfDatasec
  | BtfDeclTag;
