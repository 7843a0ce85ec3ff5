/** A strict-enough XML well-formedness check: balanced tags, quoted attributes, escaped text. */
export function assertWellFormedXml(xml: string): void {
  const stack: string[] = [];
  const re = /<(\/?)([A-Za-z][\w:-]*)((?:\s+[\w:-]+="[^"<]*")*)\s*(\/?)>/y;
  let i = 0;
  let root = 0;
  while (i < xml.length) {
    const lt = xml.indexOf('<', i);
    const text = xml.slice(i, lt < 0 ? xml.length : lt);
    if (/&(?!(amp|lt|gt|quot|apos);)/.test(text) || text.includes('>')) throw new Error(`bad text: ${text}`);
    if (lt < 0) break;
    re.lastIndex = lt;
    const m = re.exec(xml);
    if (m === null) throw new Error(`bad tag at ${lt}: ${xml.slice(lt, lt + 40)}`);
    const [, close, name, attrs, self] = m;
    if (/&(?!(amp|lt|gt|quot|apos);)/.test(attrs ?? '')) throw new Error(`bad attribute text in ${name}`);
    if (close === '/') {
      if (stack.pop() !== name) throw new Error(`mismatched </${name}>`);
    } else if (self !== '/') {
      if (stack.length === 0) root++;
      stack.push(name as string);
    } else if (stack.length === 0) root++;
    i = re.lastIndex;
  }
  if (stack.length !== 0) throw new Error(`unclosed ${stack.join(',')}`);
  if (root !== 1) throw new Error(`${root} root elements`);
}
