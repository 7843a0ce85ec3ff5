/**
 * Re-verification after a failed SHA-1. Without a hash tree we cannot tell which source
 * sent the wrong bytes, so each round suspects one contributor: its bytes are forgotten and
 * fetched again from the others, then the file is hashed again. If it now verifies, the
 * suspect lied (it stays banned); if not, it is reinstated and the next one is suspected.
 *
 * Order: sources that another source disagreed with at an overlap check first, then the
 * one that sent the fewest bytes (cheapest to re-fetch), then by key so runs repeat.
 */
export class RepairRounds {
  private readonly tried = new Set<string>();
  /** the contributor whose bytes are being re-fetched, if a round is running */
  suspect: string | undefined;
  /** verifications that failed so far */
  failures = 0;

  constructor(private readonly maxRounds: number) {}

  /**
   * A verification failed. Returns the previous suspect (now shown innocent, to reinstate)
   * and the next one, or `next: undefined` when it is time to give up.
   */
  mismatch(
    contributors: ReadonlyMap<string, number>,
    conflicts: ReadonlyMap<string, string>,
  ): { innocent: string | undefined; next: string | undefined } {
    this.failures++;
    const innocent = this.suspect;
    this.suspect = undefined;
    if (contributors.size <= 1 || this.failures > this.maxRounds) return { innocent, next: undefined };
    const accused = new Set(conflicts.values());
    const candidates = [...contributors.entries()].filter(([k]) => !this.tried.has(k));
    candidates.sort(
      (x, y) =>
        Number(accused.has(y[0])) - Number(accused.has(x[0])) || x[1] - y[1] || (x[0] < y[0] ? -1 : 1),
    );
    const next = candidates[0]?.[0];
    if (next !== undefined) {
      this.tried.add(next);
      this.suspect = next;
    }
    return { innocent, next };
  }
}
