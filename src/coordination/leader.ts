// Operator list, leader selection and spokesman seat (coordination.md §5.1, §5.4).
import { normalizeAddress } from "../protocol/address.js";
import type { RngScheme } from "../protocol/profile.js";
import { shuffleOperators } from "./rng/index.js";

/** EIP-55, distinct, sorted by plain UTF-16 code-unit comparison (never localeCompare). */
export function operatorList(seats: string[]): string[] {
  const distinct = [...new Set(seats.map(normalizeAddress))];
  return distinct.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

/** Shuffles the operator list with the profile's scheme; the leader is element 0. */
export function selectLeader(seats: string[], seed: Uint8Array, scheme: RngScheme): { leader: string; order: string[] } {
  const list = operatorList(seats);
  if (list.length === 0) throw new Error("cannot select a leader: the seat list is empty");
  const order = shuffleOperators(list, seed, scheme);
  return { leader: order[0], order };
}

/** All 1-based seats held by the operator, ascending. */
export function seatsOf(seats: string[], operator: string): number[] {
  const me = normalizeAddress(operator);
  const out: number[] = [];
  seats.forEach((s, i) => {
    if (normalizeAddress(s) === me) out.push(i + 1);
  });
  return out;
}

/** The operator's lowest 1-based seat (the spokesman seat), or undefined when it holds none. */
export function lowestSeat(seats: string[], operator: string): number | undefined {
  return seatsOf(seats, operator)[0];
}
