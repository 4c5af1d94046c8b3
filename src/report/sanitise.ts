/**
 * Text from outside ckptsim (scenario names, violation messages that quote operator names and
 * records, exception stacks, planted bug names) made safe for each report's format. Control
 * characters become visible `\xHH` escapes rather than vanishing, so a reader still sees that
 * the text held one.
 */

/** C0 controls other than tab and line breaks, DEL, and C1 controls: they move cursors and recolour terminals. */
const controlCharacters = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]/g;

function visible(character: string): string {
  return `\\x${character.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`;
}

/** Text for a terminal or a log: control characters (ESC among them) shown as `\xHH`. */
export function printable(text: string): string {
  return text.replace(controlCharacters, visible);
}

/**
 * Text for report.md, in a table cell or a list item: `&`, `<` and `>` escaped so that a name
 * or message cannot become HTML (GitHub renders some), `|` escaped for tables, line breaks
 * folded, control characters shown.
 */
export function markdownText(text: string): string {
  return printable(text)
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/\|/g, '\\|')
    .replace(/\r?\n|\r/g, ' ');
}

/** Characters XML 1.0 does not allow anywhere, even escaped: most C0 controls, lone surrogates, U+FFFE and U+FFFF. */
const notXml = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu;

function xmlSafe(text: string): string {
  return text.replace(notXml, (character) => (character.length === 1 ? `\\u${character.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}` : '\uFFFD'));
}

/** Text for XML element content: forbidden characters shown as `\uXXXX`, markup characters escaped. */
export function xmlText(text: string): string {
  return xmlSafe(text).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Text for a double-quoted XML attribute: as {@link xmlText}, and quotes and line breaks as character references (a parser would fold raw ones). */
export function xmlAttribute(text: string): string {
  return xmlText(text).replace(/"/g, '&quot;').replace(/\t/g, '&#9;').replace(/\n/g, '&#10;').replace(/\r/g, '&#13;');
}
