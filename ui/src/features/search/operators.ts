// What the search box understands, for the help popover. The grammar itself lives in
// the backend (crates/api/src/search.rs); keep these rows in step with its table.

export interface SearchOperator {
  /** As shown, e.g. `from:dana`. */
  example: string;
  /** What gets typed into the box when the row is picked. */
  insert: string;
  meaning: string;
}

export const SEARCH_OPERATORS: readonly SearchOperator[] = [
  { example: "from:dana", insert: "from:", meaning: "sender name or address" },
  { example: "to:dana", insert: "to:", meaning: "a To or Cc recipient" },
  { example: "cc:dana", insert: "cc:", meaning: "a Cc recipient" },
  { example: 'subject:"renewal terms"', insert: "subject:", meaning: "words in the subject" },
  { example: '"exact phrase"', insert: '"', meaning: "these words in this order" },
  { example: "has:attachment", insert: "has:attachment", meaning: "with attachments" },
  { example: "is:unread", insert: "is:unread", meaning: "unread (or is:read)" },
  { example: "is:flagged", insert: "is:flagged", meaning: "flagged (also is:starred)" },
  { example: "in:sent", insert: "in:", meaning: "a folder: inbox, sent, drafts, archive, trash, spam or its name" },
  { example: "before:2026-03-10", insert: "before:", meaning: "before that day" },
  { example: "after:2026-03-10", insert: "after:", meaning: "after that day" },
  { example: "newer_than:7d", insert: "newer_than:", meaning: "within 7 days (d, w, m, y); older_than: too" },
  { example: "-word", insert: "-", meaning: "leave out: -word, -from:dana, -is:read" },
];

/** The box's text with `insert` added as a new word at the end. */
export function withOperator(value: string, insert: string): string {
  const base = value.trimEnd();
  return base === "" ? insert : `${base} ${insert}`;
}
