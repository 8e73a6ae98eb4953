// Tokens: the Microsoft identity platform's token endpoint (refresh_token grant, refresh
// tokens rotated on every use) and the bearer check Graph applies to each request.

import { randomBytes } from 'node:crypto';

const ACCESS_LIFETIME_S = 3599;
const DEFAULT_SCOPE = 'https://graph.microsoft.com/Mail.ReadWrite https://graph.microsoft.com/Mail.Send https://graph.microsoft.com/User.Read';

const token = (prefix) => `${prefix}${randomBytes(32).toString('base64url')}`;

export class Tokens {
  constructor() {
    this.access = new Map(); // token -> { user, expired }
    this.refresh = new Map(); // token -> { user, clientId }
  }

  grant(user, clientId = undefined, scope = DEFAULT_SCOPE) {
    const access = token('EwB');
    const refresh = token('M.C5');
    this.access.set(access, { user, expired: false });
    this.refresh.set(refresh, { user, clientId });
    return {
      token_type: 'Bearer',
      scope,
      expires_in: ACCESS_LIFETIME_S,
      ext_expires_in: ACCESS_LIFETIME_S,
      access_token: access,
      refresh_token: refresh,
    };
  }

  expireAccess() {
    for (const entry of this.access.values()) entry.expired = true;
  }

  revokeAll() {
    this.access.clear();
    this.refresh.clear();
  }

  /** The user of a valid bearer token, or undefined. */
  user(authorization) {
    const m = /^Bearer\s+(\S+)$/i.exec(authorization ?? '');
    const entry = m && this.access.get(m[1]);
    return entry && !entry.expired ? entry.user : undefined;
  }

  /** POST /{tenant}/oauth2/v2.0/token. Returns { status, body }. */
  exchange(form) {
    const aad = (status, error, code, description) => ({
      status,
      body: {
        error,
        error_description: `AADSTS${code}: ${description}\r\nTrace ID: ${randomBytes(8).toString('hex')}\r\nTimestamp: ${new Date().toISOString()}`,
        error_codes: [code],
        timestamp: new Date().toISOString().replace('T', ' ').replace(/\.\d+Z$/, 'Z'),
      },
    });
    const grantType = form.get('grant_type');
    if (!form.get('client_id')) {
      return aad(400, 'invalid_request', 900144, "The request body must contain the following parameter: 'client_id'.");
    }
    if (grantType !== 'refresh_token') {
      return aad(400, 'unsupported_grant_type', 70003, `The app requested an unsupported grant type '${grantType ?? ''}'.`);
    }
    const presented = form.get('refresh_token');
    const entry = presented && this.refresh.get(presented);
    if (!entry) {
      return aad(400, 'invalid_grant', 70000, 'The provided value for the refresh_token is invalid, expired or revoked.');
    }
    if (entry.clientId && entry.clientId !== form.get('client_id')) {
      return aad(400, 'invalid_grant', 70000, 'The refresh token was issued to a different client.');
    }
    this.refresh.delete(presented);
    const scope = form.get('scope') ?? DEFAULT_SCOPE;
    return { status: 200, body: this.grant(entry.user, form.get('client_id'), scope) };
  }
}
