// Just enough RFC 822 / MIME for the fake: header parsing (for Message-ID, threading and
// format=metadata), a part tree with decoded bodies (format=full) and the snippet.

const CRLFCRLF = Buffer.from('\r\n\r\n');
const LFLF = Buffer.from('\n\n');

/** Headers `[{name, value}]` (unfolded, in order) and where the body starts. */
export function parseHeaders(buf) {
  let end = buf.indexOf(CRLFCRLF);
  let bodyStart = end + 4;
  const lf = buf.indexOf(LFLF);
  if (lf !== -1 && (end === -1 || lf < end)) {
    end = lf;
    bodyStart = lf + 2;
  }
  if (end === -1) {
    end = buf.length;
    bodyStart = buf.length;
  }
  const headers = [];
  for (const line of buf.subarray(0, end).toString('utf8').split(/\r?\n/)) {
    if (/^[ \t]/.test(line) && headers.length > 0) {
      headers[headers.length - 1].value += ` ${line.trim()}`;
    } else {
      const colon = line.indexOf(':');
      if (colon > 0) headers.push({ name: line.slice(0, colon).trim(), value: line.slice(colon + 1).trim() });
    }
  }
  return { headers, bodyStart };
}

export function header(headers, name) {
  const lower = name.toLowerCase();
  return headers.find((h) => h.name.toLowerCase() === lower)?.value;
}

/** The `<…>` ids in a Message-ID / In-Reply-To / References value, without brackets. */
export function messageIds(value) {
  if (!value) return [];
  const ids = [...value.matchAll(/<([^<>\s]+)>/g)].map((m) => m[1]);
  return ids.length > 0 ? ids : value.split(/\s+/).filter(Boolean);
}

function parameter(value, name) {
  const m = new RegExp(`(?:^|;)\\s*${name}\\s*=\\s*(?:"([^"]*)"|([^;\\s]+))`, 'i').exec(value ?? '');
  return m ? (m[1] ?? m[2]) : undefined;
}

function decodeTransfer(body, encoding) {
  switch ((encoding ?? '').trim().toLowerCase()) {
    case 'base64':
      return Buffer.from(body.toString('latin1').replace(/\s+/g, ''), 'base64');
    case 'quoted-printable': {
      const text = body.toString('latin1').replace(/=\r?\n/g, '');
      const bytes = [];
      for (let i = 0; i < text.length; i += 1) {
        const hex = text[i] === '=' ? /^[0-9A-Fa-f]{2}/.exec(text.slice(i + 1, i + 3)) : null;
        if (hex) {
          bytes.push(parseInt(hex[0], 16));
          i += 2;
        } else {
          bytes.push(text.charCodeAt(i) & 0xff);
        }
      }
      return Buffer.from(bytes);
    }
    default:
      return body;
  }
}

/** The bodies between `--boundary` lines (preamble and epilogue dropped). */
function splitMultipart(body, boundary) {
  const delimiter = Buffer.from(`--${boundary}`);
  const parts = [];
  let at = body.indexOf(delimiter);
  while (at !== -1) {
    const lineEnd = body.indexOf('\n', at);
    if (lineEnd === -1 || body.subarray(at + delimiter.length, at + delimiter.length + 2).toString() === '--') break;
    const next = body.indexOf(delimiter, lineEnd);
    if (next === -1) break;
    let end = next;
    if (body[end - 1] === 0x0a) end -= 1;
    if (body[end - 1] === 0x0d) end -= 1;
    parts.push(body.subarray(lineEnd + 1, Math.max(end, lineEnd + 1)));
    at = next;
  }
  return parts;
}

/** The MessagePart tree of format=full (bodies decoded, base64url). */
export function partTree(buf, partId = '') {
  const { headers, bodyStart } = parseHeaders(buf);
  const contentType = header(headers, 'content-type') ?? 'text/plain';
  const mimeType = contentType.split(';')[0].trim().toLowerCase();
  const disposition = header(headers, 'content-disposition');
  const part = {
    partId,
    mimeType,
    filename: parameter(disposition, 'filename') ?? parameter(contentType, 'name') ?? '',
    headers,
  };
  const body = buf.subarray(bodyStart);
  const boundary = parameter(contentType, 'boundary');
  if (mimeType.startsWith('multipart/') && boundary) {
    part.body = { size: 0 };
    part.parts = splitMultipart(body, boundary).map((p, i) => partTree(p, partId === '' ? String(i) : `${partId}.${i}`));
  } else {
    const data = decodeTransfer(body, header(headers, 'content-transfer-encoding'));
    part.body = { size: data.length, data: data.toString('base64url') };
  }
  return part;
}

function firstText(part) {
  if (part.parts) {
    for (const p of part.parts) {
      const text = firstText(p);
      if (text !== undefined) return text;
    }
    return undefined;
  }
  if (part.mimeType === 'text/plain' || part.mimeType === 'text/html') {
    const text = Buffer.from(part.body.data ?? '', 'base64url').toString('utf8');
    return part.mimeType === 'text/html' ? text.replace(/<[^>]*>/g, ' ') : text;
  }
  return undefined;
}

/** Gmail's snippet: the start of the first text part, whitespace collapsed. */
export function snippetOf(buf) {
  return (firstText(partTree(buf)) ?? '').replace(/\s+/g, ' ').trim().slice(0, 200);
}

/** `raw` with a Message-ID header added in front when it has none (Gmail adds one on send). */
export function withMessageId(raw, headers, makeId) {
  if (header(headers, 'message-id')) return raw;
  return Buffer.concat([Buffer.from(`Message-ID: <${makeId()}>\r\n`), raw]);
}
