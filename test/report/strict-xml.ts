/**
 * A small strict XML parser for the tests of junit.xml: it refuses what a real parser would
 * (unbalanced or crossed tags, an unquoted or repeated attribute, a raw `<` or `&` in text or
 * attribute values, an unknown entity, a character XML 1.0 forbids) and gives back the element
 * tree, entities decoded and attribute values normalised as XML 1.0 says. No DTDs, comments,
 * CDATA or processing instructions other than the declaration: junit.xml has none.
 */
export interface XmlElement {
  readonly name: string;
  readonly attributes: Readonly<Record<string, string>>;
  readonly children: XmlElement[];
  text: string;
}

const forbidden = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/u;
const name = /^[A-Za-z_][\w.-]*/;

function decode(raw: string, where: string): string {
  if (/<|&(?!(amp|lt|gt|quot|apos|#\d+|#x[0-9a-fA-F]+);)/.test(raw)) throw new Error(`raw '<' or '&' in ${where}: ${raw.slice(0, 80)}`);
  return raw.replace(/&(amp|lt|gt|quot|apos|#\d+|#x[0-9a-fA-F]+);/g, (_, entity: string) => {
    if (entity.startsWith('#x')) return String.fromCodePoint(parseInt(entity.slice(2), 16));
    if (entity.startsWith('#')) return String.fromCodePoint(Number(entity.slice(1)));
    return ({ amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" } as Record<string, string>)[entity] as string;
  });
}

/** Parses `text` strictly; throws naming the first thing that is not well-formed XML. */
export function parseXml(text: string): XmlElement {
  const bad = forbidden.exec(text);
  if (bad !== null) throw new Error(`character U+${(bad[0].codePointAt(0) ?? 0).toString(16)} is not allowed in XML, at ${bad.index}`);
  let at = 0;
  if (text.startsWith('<?xml')) at = text.indexOf('?>') + 2;
  const stack: XmlElement[] = [];
  let root: XmlElement | undefined;
  while (at < text.length) {
    const open = text.indexOf('<', at);
    const chunk = open < 0 ? text.slice(at) : text.slice(at, open);
    if (stack.length === 0) {
      if (chunk.trim() !== '') throw new Error(`text outside the root element: ${chunk.slice(0, 40)}`);
    } else {
      const top = stack.at(-1) as XmlElement;
      top.text += decode(chunk, `<${top.name}> text`);
    }
    if (open < 0) break;
    if (text.startsWith('</', open)) {
      const close = text.indexOf('>', open);
      const closing = text.slice(open + 2, close).trim();
      const top = stack.pop();
      if (top === undefined || top.name !== closing) throw new Error(`</${closing}> closes <${top?.name ?? 'nothing'}>`);
      at = close + 1;
      continue;
    }
    let cursor = open + 1;
    const tag = name.exec(text.slice(cursor));
    if (tag === null) throw new Error(`bad tag at ${open}: ${text.slice(open, open + 30)}`);
    cursor += tag[0].length;
    const attributes: Record<string, string> = {};
    for (;;) {
      const rest = text.slice(cursor);
      const space = /^\s*/.exec(rest)?.[0].length ?? 0;
      cursor += space;
      if (text.startsWith('/>', cursor) || text.startsWith('>', cursor)) break;
      if (space === 0) throw new Error(`no space before an attribute of <${tag[0]}>`);
      const attribute = /^([A-Za-z_][\w.-]*)="([^"]*)"/.exec(text.slice(cursor));
      if (attribute === null) throw new Error(`bad attribute in <${tag[0]}>: ${text.slice(cursor, cursor + 40)}`);
      const [whole, key, value] = attribute as unknown as [string, string, string];
      if (key in attributes) throw new Error(`attribute ${key} twice in <${tag[0]}>`);
      // Attribute-value normalisation: a raw tab or line break reads as a space.
      attributes[key] = decode(value.replace(/[\t\n\r]/g, ' '), `attribute ${key}`);
      cursor += whole.length;
    }
    const element: XmlElement = { name: tag[0], attributes, children: [], text: '' };
    if (stack.length === 0) {
      if (root !== undefined) throw new Error('more than one root element');
      root = element;
    } else (stack.at(-1) as XmlElement).children.push(element);
    if (text.startsWith('/>', cursor)) at = cursor + 2;
    else {
      stack.push(element);
      at = cursor + 1;
    }
  }
  if (stack.length > 0) throw new Error(`<${stack.at(-1)?.name}> is never closed`);
  if (root === undefined) throw new Error('no root element');
  return root;
}

/** Every element named `name` below `element`, depth first. */
export function descendants(element: XmlElement, wanted: string): XmlElement[] {
  return element.children.flatMap((child) => [...(child.name === wanted ? [child] : []), ...descendants(child, wanted)]);
}
