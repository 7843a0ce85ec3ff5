/**
 * One keyword rule for the whole servent: the share index, QRP tables, query matching
 * and the DHT back-ends all split names and queries the same way, so that what one
 * side publishes the other side finds.
 *
 * Rule: NFKD-normalise, drop combining marks, lower-case, split on anything that is not
 * a letter or a digit. Words shorter than `minLength` (default 2) are ignored.
 */
const SPLIT_RE = /[^\p{L}\p{N}]+/u;
const MARKS_RE = /\p{M}+/gu;

export function keywords(text: string, minLength = 2): string[] {
  const out: string[] = [];
  const seen = new Set<string>();
  const norm = text.normalize('NFKD').replace(MARKS_RE, '').toLowerCase();
  for (const w of norm.split(SPLIT_RE)) {
    if (w.length < minLength || seen.has(w)) continue;
    seen.add(w);
    out.push(w);
  }
  return out;
}

/** True when every keyword of the query appears among the name's keywords. */
export function matchesAll(queryWords: readonly string[], nameWords: ReadonlySet<string>): boolean {
  if (queryWords.length === 0) return false;
  for (const w of queryWords) if (!nameWords.has(w)) return false;
  return true;
}
