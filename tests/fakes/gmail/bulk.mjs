// Many varied messages fast, for sync and benchmark runs: conversations whose replies carry
// In-Reply-To/References (so threads form), distinct Message-IDs, dates spread over months.
// Deterministic for a seed.

import { parseHeaders } from './mime.mjs';

const WORDS = (
  'quarterly report invoice meeting agenda draft review launch budget offsite travel ' +
  'contract renewal onboarding roadmap feedback design release notes migration outage ' +
  'incident retrospective hiring plan customer escalation pricing proposal schedule'
).split(' ');
const PEOPLE = ['Ada Byron', 'Grace Hopper', 'Alan Turing', 'Edsger Dijkstra', 'Barbara Liskov', 'Ken Thompson', 'Frances Allen', 'Donald Knuth'];
const DAY_MS = 86400000;
// A fixed end so a seed always gives the same mailbox: 2025-06-01T00:00:00Z.
const END_MS = Date.UTC(2025, 5, 1);
const SPAN_MS = 180 * DAY_MS;

/** mulberry32: a small seeded PRNG. */
function prng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const address = (name) => `${name.toLowerCase().replace(/\s+/g, '.')}@example.test`;

/**
 * Adds `count` messages to `mailbox`. Without `labelIds` each gets INBOX (or SENT when the
 * user wrote it), UNREAD for about a third and STARRED now and then.
 */
export function bulkInsert(mailbox, { count, seed = 1, labelIds }) {
  const random = prng(seed);
  const pick = (list) => list[Math.floor(random() * list.length)];
  const me = mailbox.user;
  let made = 0;
  let conversation = 0;
  while (made < count) {
    conversation += 1;
    const size = Math.min(count - made, 1 + Math.floor(random() * random() * 6));
    const subject = `${pick(WORDS)} ${pick(WORDS)} ${conversation}`;
    const other = pick(PEOPLE);
    let date = END_MS - Math.floor(random() * SPAN_MS);
    const ids = [];
    let threadId;
    for (let i = 0; i < size; i += 1) {
      const fromMe = i % 2 === 1;
      const messageId = `bulk-${seed}-${conversation}-${i}@example.test`;
      const lines = [
        `Message-ID: <${messageId}>`,
        `Date: ${new Date(date).toUTCString().replace('GMT', '+0000')}`,
        `From: ${fromMe ? me : `${other} <${address(other)}>`}`,
        `To: ${fromMe ? `${other} <${address(other)}>` : me}`,
        `Subject: ${i === 0 ? '' : 'Re: '}${subject}`,
      ];
      if (ids.length) {
        lines.push(`In-Reply-To: <${ids[ids.length - 1]}>`, `References: ${ids.map((id) => `<${id}>`).join(' ')}`);
      }
      lines.push('MIME-Version: 1.0', 'Content-Type: text/plain; charset=utf-8', '');
      const sentences = 1 + Math.floor(random() * 4);
      for (let s = 0; s < sentences; s += 1) lines.push(`About the ${pick(WORDS)}: let us ${pick(WORDS)} the ${pick(WORDS)} by ${pick(WORDS)}.`);
      const raw = Buffer.from(`${lines.join('\r\n')}\r\n`);
      let labels = labelIds;
      if (!labels) {
        labels = [fromMe ? 'SENT' : 'INBOX'];
        if (!fromMe && random() < 0.33) labels.push('UNREAD');
        if (random() < 0.05) labels.push('STARRED');
      }
      const message = mailbox.add({ raw, parsed: parseHeaders(raw), labelIds: labels, threadId, internalDate: date }, false);
      threadId = message.threadId;
      ids.push(messageId);
      date += Math.floor(random() * 2 * DAY_MS);
      made += 1;
    }
  }
  mailbox.resort();
  return made;
}
