import type { ObjectIssue } from '../common/types';

/** What one page keeps of its issues in detail: its result stays far below Temporal's 2 MB payload limit. */
export const PAGE_ISSUES = { count: 200, bytes: 64 * 1024 };
/** What the migration keeps in detail (its summary, and every continue-as-new input) besides its counts. */
export const MIGRATION_ISSUE_BYTES = 256 * 1024;

/** Bytes of a string in UTF-8 (payloads are JSON in UTF-8; a key may be up to 1,024 of them). */
export function utf8Length(text: string): number {
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x80) bytes += 1;
    else if (code < 0x800) bytes += 2;
    else if (code >= 0xd800 && code < 0xdc00) {
      bytes += 4; // a surrogate pair: one 4-byte character
      i++;
    } else bytes += 3;
  }
  return bytes;
}

export const issueBytes = (issue: ObjectIssue): number => utf8Length(JSON.stringify(issue));

/**
 * Appends to `kept` as many of `incoming` as fit in `maxCount` issues and `maxBytes` (JSON, UTF-8), in order;
 * returns how many did not fit. The counts always cover every object: only the detail is bounded.
 */
export function keepWithin(kept: ObjectIssue[], incoming: ObjectIssue[], maxCount: number, maxBytes: number): number {
  let bytes = kept.reduce((sum, issue) => sum + issueBytes(issue), 0);
  let dropped = 0;
  for (const issue of incoming) {
    const size = issueBytes(issue);
    if (kept.length < maxCount && bytes + size <= maxBytes) {
      kept.push(issue);
      bytes += size;
    } else dropped++;
  }
  return dropped;
}
