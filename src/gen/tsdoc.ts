/**
 * Small writers for generated TypeScript source: TSDoc comments and long string
 * literals, laid out the way prettier would (110 columns). Spec layer: no kernel.
 */

/** The line width generated source aims for (the repository's prettier printWidth). */
export const WIDTH = 110;

/**
 * A TSDoc comment of `paragraphs` (blank-line separated) at `indent`; '' when there is no text. One
 * line when it fits. `*\/` in the text is broken so it cannot end the comment.
 */
export function tsdoc(paragraphs: (string | undefined)[], indent = ''): string {
  const parts = paragraphs
    .filter((p): p is string => !!p && !!p.trim())
    .map((p) => p.trim().replace(/\*\//g, '*\\/'));
  if (!parts.length) return '';
  const one = `${indent}/** ${parts[0]} */`;
  if (parts.length === 1 && one.length <= WIDTH && !parts[0].includes('\n')) return `${one}\n`;
  const body = parts
    .flatMap((p, i) => [...(i ? [''] : []), ...wrap(p, WIDTH - indent.length - 3)])
    .map((l) => (l ? `${indent} * ${l}` : `${indent} *`));
  return `${indent}/**\n${body.join('\n')}\n${indent} */\n`;
}

/** Words of `text` in lines of at most `width` characters (longer words stay whole). */
function wrap(text: string, width: number): string[] {
  const out: string[] = [];
  for (const para of text.split('\n')) {
    let line = '';
    for (const word of para.split(/\s+/).filter(Boolean)) {
      if (line && line.length + 1 + word.length > width) {
        out.push(line);
        line = word;
      } else line = line ? `${line} ${word}` : word;
    }
    out.push(line);
  }
  return out;
}

/** A long single-quoted literal without quotes or escapes in it (base64) as `[…].join('')` chunks. */
export function chunkedString(text: string, indent: string, chunk = 96): string {
  const parts: string[] = [];
  for (let i = 0; i < text.length; i += chunk) parts.push(`${indent}  '${text.slice(i, i + chunk)}',`);
  return `[\n${parts.join('\n')}\n${indent}].join('')`;
}

/** A value shown in a doc comment: JSON with exact bigints, cut short when long. */
export function shortJson(json: string, max = 60): string {
  return json.length <= max ? json : `${json.slice(0, max - 1)}…`;
}
