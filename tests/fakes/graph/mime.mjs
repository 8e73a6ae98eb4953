// Just enough RFC 5322 / MIME to turn a raw message into Graph's message fields (headers,
// addresses, a body preview, whether it has attachments) and to build raw messages for JSON
// sends and replies. Not a general MIME library: the fake only needs what Graph derives.

import { randomBytes } from 'node:crypto';

const HEADER_END = /\r?\n\r?\n/;

/** Header name (lower case) -> list of unfolded values, and the body text after them. */
export function splitMessage(text) {
  const m = HEADER_END.exec(text);
  const head = m ? text.slice(0, m.index) : text;
  const body = m ? text.slice(m.index + m[0].length) : '';
  const headers = new Map();
  let last;
  for (const line of head.split(/\r?\n/)) {
    if (/^[ \t]/.test(line) && last) {
      last.value += ` ${line.trim()}`;
      continue;
    }
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    last = { name: line.slice(0, colon).trim().toLowerCase(), value: line.slice(colon + 1).trim() };
    if (!headers.has(last.name)) headers.set(last.name, []);
    headers.get(last.name).push(last);
  }
  const get = (name) => headers.get(name)?.[0]?.value;
  return { get, headers, body };
}

/** Decodes RFC 2047 encoded words (`=?utf-8?B?...?=`, `=?utf-8?Q?...?=`). */
export function decodeWords(value) {
  if (!value) return value ?? '';
  return value
    .replace(/(=\?[^?]+\?[BbQq]\?[^?]*\?=)\s+(?==\?)/g, '$1')
    .replace(/=\?([^?]+)\?([BbQq])\?([^?]*)\?=/g, (_, charset, enc, data) => {
      const bytes =
        enc.toUpperCase() === 'B'
          ? Buffer.from(data, 'base64')
          : Buffer.from(
              data.replace(/_/g, ' ').replace(/=([0-9A-Fa-f]{2})/g, (_m, h) =>
                String.fromCharCode(parseInt(h, 16)),
              ),
              'latin1',
            );
      return /^utf-?8$/i.test(charset) ? bytes.toString('utf8') : bytes.toString('latin1');
    });
}

/** Splits an address list on commas outside quotes and angle brackets. */
function splitAddressList(value) {
  const out = [];
  let cur = '';
  let quoted = false;
  let angle = 0;
  for (const ch of value) {
    if (ch === '"') quoted = !quoted;
    else if (!quoted && ch === '<') angle += 1;
    else if (!quoted && ch === '>') angle = Math.max(0, angle - 1);
    if (ch === ',' && !quoted && angle === 0) {
      out.push(cur);
      cur = '';
    } else {
      cur += ch;
    }
  }
  out.push(cur);
  return out.map((s) => s.trim()).filter(Boolean);
}

/** `"Name" <a@b>, c@d` -> [{ emailAddress: { name, address } }] as Graph's recipient type. */
export function parseAddresses(value) {
  if (!value) return [];
  return splitAddressList(value).map((part) => {
    const m = part.match(/^(.*)<([^>]*)>\s*$/);
    const address = (m ? m[2] : part).trim();
    const name = m ? decodeWords(m[1].trim().replace(/^"(.*)"$/, '$1')) : '';
    return { emailAddress: { name: name || address, address } };
  });
}

export function formatAddress(recipient) {
  const { name, address } = recipient.emailAddress ?? {};
  return name && name !== address ? `"${name.replace(/"/g, '')}" <${address}>` : `<${address}>`;
}

function decodeTransfer(body, encoding) {
  switch ((encoding ?? '').toLowerCase()) {
    case 'base64':
      return Buffer.from(body.replace(/\s+/g, ''), 'base64').toString('utf8');
    case 'quoted-printable':
      return Buffer.from(
        body.replace(/=\r?\n/g, '').replace(/=([0-9A-Fa-f]{2})/g, (_m, h) =>
          String.fromCharCode(parseInt(h, 16)),
        ),
        'latin1',
      ).toString('utf8');
    default:
      return body;
  }
}

/** The first text part (plain preferred over HTML) and whether any part is an attachment. */
function walkParts(get, body, depth = 0) {
  const type = (get('content-type') ?? 'text/plain').toLowerCase();
  const disposition = (get('content-disposition') ?? '').toLowerCase();
  if (disposition.startsWith('attachment')) return { attachment: true };
  const boundary = type.startsWith('multipart/') && (get('content-type').match(/boundary="?([^";]+)"?/i) ?? [])[1];
  if (boundary && depth < 8) {
    const parts = body.split(`--${boundary}`).slice(1);
    let plain;
    let html;
    let attachment = false;
    for (const part of parts) {
      if (part.startsWith('--')) break;
      const inner = splitMessage(part.replace(/^\r?\n/, ''));
      const r = walkParts(inner.get, inner.body, depth + 1);
      attachment ||= Boolean(r.attachment);
      plain ??= r.plain;
      html ??= r.html;
    }
    return { plain, html, attachment };
  }
  const text = decodeTransfer(body, get('content-transfer-encoding'));
  if (type.startsWith('text/html')) return { html: text };
  if (type.startsWith('text/')) return { plain: text };
  return { attachment: !type.startsWith('multipart/') };
}

const msgIds = (value) => (value ?? '').match(/<[^<>\s]+>/g) ?? [];

/** Graph's view of a raw message. */
export function parseMessage(raw) {
  const text = Buffer.isBuffer(raw) ? raw.toString('utf8') : raw;
  const { get, body } = splitMessage(text);
  const parts = walkParts(get, body);
  const bodyText =
    parts.plain ?? (parts.html ? parts.html.replace(/<[^>]*>/g, ' ') : '');
  const from = parseAddresses(get('from'))[0];
  const date = Date.parse(get('date') ?? '');
  return {
    subject: decodeWords(get('subject') ?? ''),
    from,
    sender: parseAddresses(get('sender'))[0] ?? from,
    toRecipients: parseAddresses(get('to')),
    ccRecipients: parseAddresses(get('cc')),
    bccRecipients: parseAddresses(get('bcc')),
    replyTo: parseAddresses(get('reply-to')),
    internetMessageId: msgIds(get('message-id'))[0],
    inReplyTo: msgIds(get('in-reply-to'))[0],
    references: msgIds(get('references')),
    sentDateTime: Number.isNaN(date) ? undefined : new Date(date),
    body: parts.html
      ? { contentType: 'html', content: parts.html }
      : { contentType: 'text', content: bodyText },
    bodyPreview: bodyText.replace(/\s+/g, ' ').trim().slice(0, 255),
    hasAttachments: Boolean(parts.attachment),
  };
}

export function newMessageId(domain = 'switchboard.fake') {
  return `<${randomBytes(12).toString('hex')}@${domain}>`;
}

const encodeHeader = (value) =>
  /^[\x20-\x7e]*$/.test(value) ? value : `=?UTF-8?B?${Buffer.from(value).toString('base64')}?=`;

/**
 * A raw RFC 5322 message for a Graph JSON message (sendMail, a JSON draft, a reply).
 * `extra` adds headers such as In-Reply-To and References.
 */
export function buildMime(message, { from, messageId, date = new Date(), extra = [] }) {
  const lines = [
    `From: ${formatAddress(from)}`,
    `Date: ${date.toUTCString().replace('GMT', '+0000')}`,
    `Subject: ${encodeHeader(message.subject ?? '')}`,
    `Message-ID: ${messageId}`,
  ];
  for (const [header, key] of [['To', 'toRecipients'], ['Cc', 'ccRecipients'], ['Bcc', 'bccRecipients'], ['Reply-To', 'replyTo']]) {
    const list = message[key] ?? [];
    if (list.length) lines.push(`${header}: ${list.map(formatAddress).join(', ')}`);
  }
  for (const h of message.internetMessageHeaders ?? []) lines.push(`${h.name}: ${h.value}`);
  lines.push(...extra, 'MIME-Version: 1.0');
  const html = (message.body?.contentType ?? 'text').toLowerCase() === 'html';
  lines.push(`Content-Type: text/${html ? 'html' : 'plain'}; charset=utf-8`);
  lines.push('Content-Transfer-Encoding: 8bit', '', message.body?.content ?? '');
  return lines.join('\r\n');
}

/** Prepends a header to a raw message (Exchange stamps a Message-ID on submission). */
export function withHeader(raw, header) {
  return `${header}\r\n${raw}`;
}
