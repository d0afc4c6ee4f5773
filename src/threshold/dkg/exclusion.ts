// Who takes part in the next attempt of a DKG request (threshold.md §3.2, §5.3).
//
// Rule: exclusion is cumulative within a request. Attempt a+1 includes the members of attempt a minus
// the silent ones (no valid round-1 or round-2 message by the attempt's cut-off block: `DkgNoParticipation`)
// and minus the proven bad ones (`DkgInvalidProof`; the loser of a judged complaint, `DkgInvalidShare`).
// Why cumulative rather than "for one attempt": every member computes the same list from the same
// public facts, the list only shrinks so the attempts end, and the result submitted on chain names the
// excluded members of the successful attempt (`excluded`), who hold no share of that wallet anyway.
// When fewer than `max(threshold, dkgQuorum)` members remain, the request cannot succeed: the caller
// stops and lets it time out (`notifyDkgTimeout`).

/** The ascending member indices of the next attempt. */
export function nextIncluded(included: readonly number[], silent: Iterable<number>, provenBad: Iterable<number>): number[] {
  const out = new Set(included);
  for (const m of silent) out.delete(m);
  for (const m of provenBad) out.delete(m);
  return [...out].sort((a, b) => a - b);
}

/** Whether an attempt with `included` can still produce a wallet the registry accepts. */
export function attemptFeasible(included: readonly number[], threshold: number, dkgQuorum: number): boolean {
  return included.length >= Math.max(threshold, dkgQuorum);
}

/** The members not in `included`, ascending: the `excluded` list of the on-chain result (§3.1). */
export function excludedMembers(memberCount: number, included: readonly number[]): number[] {
  const inSet = new Set(included);
  return Array.from({ length: memberCount }, (_, i) => i + 1).filter((m) => !inSet.has(m));
}
