// Independent raw protobuf writer for tests: builds exact (also deliberately malformed) byte strings
// without going through the code under test.
export function varint(v: bigint | number): number[] {
  let x = BigInt(v);
  const out: number[] = [];
  while (x >= 0x80n) {
    out.push(Number(x & 0x7fn) | 0x80);
    x >>= 7n;
  }
  out.push(Number(x));
  return out;
}

export function tag(num: number, wireType: number): number[] {
  return varint((BigInt(num) << 3n) | BigInt(wireType));
}

export function vfield(num: number, v: bigint | number): number[] {
  return [...tag(num, 0), ...varint(v)];
}

export function bfield(num: number, bytes: Uint8Array | number[]): number[] {
  const b = Array.from(bytes);
  return [...tag(num, 2), ...varint(b.length), ...b];
}

export function bytes(...parts: number[][]): Uint8Array {
  return Uint8Array.from(parts.flat());
}
