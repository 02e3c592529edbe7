/**
 * Column arithmetic for fixed-pitch receipt text. Every function takes text that has already
 * been made printable (one character = one column) and never returns a line wider than asked.
 */

/**
 * Break text into lines of at most `width` columns (`restWidth` after the first line), between
 * words where possible; only a word longer than a whole line is cut.
 */
export function wrap(text: string, width: number, restWidth = width): string[] {
  const lines: string[] = [];
  const room = () => Math.max(1, Math.floor(lines.length === 0 ? width : restWidth));
  for (const paragraph of text.split('\n')) {
    let line = '';
    for (const word of paragraph.split(' ')) {
      if (word === '') continue;
      if (line !== '' && line.length + 1 + word.length <= room()) {
        line += ` ${word}`;
        continue;
      }
      if (line !== '') lines.push(line);
      line = word;
      while (line.length > room()) {
        const cut = room();
        lines.push(line.slice(0, cut));
        line = line.slice(cut);
      }
    }
    if (line !== '') lines.push(line);
  }
  return lines.length === 0 ? [''] : lines;
}

/** Wrap with a hanging indent: the first line starts `first` columns in, the others `rest`. */
export function wrapIndented(text: string, width: number, first = 0, rest = first): string[] {
  return wrap(text, width - first, width - rest).map(
    (line, i) => ' '.repeat(i === 0 ? first : rest) + line,
  );
}

/**
 * A left text and a right-aligned value on one line, e.g. an item and its amount. The left
 * text wraps in the space the value leaves; if the value alone is too wide it gets a line of
 * its own.
 */
export function leftRight(
  left: string,
  right: string,
  width: number,
  indent = 0,
  hang = indent,
): string[] {
  if (right === '') return wrapIndented(left, width, indent, hang);
  if (right.length + 1 + indent >= width) {
    return [...wrapIndented(left, width, indent, hang), alignRight(right.slice(0, width), width)];
  }
  const room = width - right.length - 1;
  const lines = wrapIndented(left, room, indent, hang);
  const first = lines[0] ?? '';
  return [first.padEnd(room + 1) + right, ...lines.slice(1)];
}

export function alignRight(text: string, width: number): string {
  return text.length >= width ? text.slice(0, width) : text.padStart(width);
}

export function center(text: string, width: number): string {
  if (text.length >= width) return text.slice(0, width);
  return ' '.repeat(Math.floor((width - text.length) / 2)) + text;
}
