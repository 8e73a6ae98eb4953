// Plain-text mail as structure the reading pane can render without ever treating the
// text as HTML: lines grouped into quoted and unquoted runs, and each line split into
// text and links. Only http(s), mailto and bare www. links become links; everything else
// stays text, so a message cannot smuggle a javascript: or file: link in.

export type TextPiece = { kind: "text"; text: string } | { kind: "link"; text: string; href: string };

/** Consecutive lines that are either all quoted ("> ...") or all not. */
export interface TextBlock {
  quoted: boolean;
  /** Quote depth of the block's first line (1 for "> ", 2 for ">> "). */
  depth: number;
  lines: string[];
}

const LINK = /\b(?:https?:\/\/|mailto:|www\.)[^\s<>"'`]+/gi;
// Characters that usually end the sentence, not the URL.
const TRAILING = ".,;:!?'\"»]}";

function quoteDepth(line: string): number {
  const m = /^((?:>\s?)+)/.exec(line);
  return m ? (m[1]!.match(/>/g) ?? []).length : 0;
}

export function textBlocks(text: string): TextBlock[] {
  const blocks: TextBlock[] = [];
  for (const line of text.replace(/\r\n?/g, "\n").split("\n")) {
    const depth = quoteDepth(line);
    const quoted = depth > 0;
    const last = blocks[blocks.length - 1];
    if (last && last.quoted === quoted) {
      last.lines.push(line);
    } else {
      blocks.push({ quoted, depth, lines: [line] });
    }
  }
  return blocks;
}

/** Drops sentence punctuation after a URL, but keeps a closing parenthesis that
 * belongs to it ("…/Foo_(bar)"). */
function trimTrailing(url: string): string {
  let u = url;
  while (u.length > 0) {
    const c = u[u.length - 1]!;
    if (c === ")") {
      const opens = (u.match(/\(/g) ?? []).length;
      const closes = (u.match(/\)/g) ?? []).length;
      if (closes <= opens) break;
    } else if (!TRAILING.includes(c)) {
      break;
    }
    u = u.slice(0, -1);
  }
  return u;
}

export function linkPieces(line: string): TextPiece[] {
  const pieces: TextPiece[] = [];
  let at = 0;
  for (const m of line.matchAll(LINK)) {
    const start = m.index;
    const url = trimTrailing(m[0]);
    if (url.length === 0 || /^(https?:\/\/|mailto:|www\.)$/i.test(url)) continue;
    if (start > at) pieces.push({ kind: "text", text: line.slice(at, start) });
    const href = /^www\./i.test(url) ? `https://${url}` : url;
    pieces.push({ kind: "link", text: url, href });
    at = start + url.length;
  }
  if (at < line.length) pieces.push({ kind: "text", text: line.slice(at) });
  return pieces;
}
