// Response helpers: Graph's JSON error format (error.code, error.message, innerError with
// request-id and date) and small senders.

import { randomUUID } from 'node:crypto';

export class GraphError extends Error {
  constructor(status, code, message, headers = {}) {
    super(message);
    this.status = status;
    this.code = code;
    this.headers = headers;
  }
}

export function errorBody(code, message, requestId = randomUUID()) {
  return {
    error: {
      code,
      message,
      innerError: {
        date: new Date().toISOString().replace(/\.\d{3}Z$/, ''),
        'request-id': requestId,
        'client-request-id': requestId,
      },
    },
  };
}

/** A response value: { status, headers, body (object | Buffer | undefined) }. */
export const reply = (status, body = undefined, headers = {}) => ({ status, body, headers });

export function send(res, { status, body, headers = {} }) {
  const out = { ...headers };
  let payload;
  if (Buffer.isBuffer(body)) {
    payload = body;
  } else if (body !== undefined) {
    payload = Buffer.from(JSON.stringify(body));
    out['Content-Type'] ??= 'application/json; odata.metadata=minimal; odata.streaming=true; IEEE754Compatible=false; charset=utf-8';
  } else {
    payload = Buffer.alloc(0);
  }
  out['Content-Length'] = payload.length;
  res.writeHead(status, out);
  res.end(payload);
}

export function readBody(req) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}
