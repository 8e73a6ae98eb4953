// OAuth 2.0 as Google's token endpoint does it for an installed app: refresh tokens from a
// grant (the control API stands in for the consent screen), opaque access tokens with a TTL.

import { randomBytes } from 'node:crypto';

const token = (prefix) => `${prefix}${randomBytes(24).toString('base64url')}`;

export class Tokens {
  constructor(ttlSeconds, now = () => Date.now()) {
    this.ttlSeconds = ttlSeconds;
    this.now = now;
    this.refresh = new Map(); // refresh token → {scope, clientId}
    this.access = new Map(); // access token → expiry (ms)
  }

  issueAccess() {
    const access = token('ya29.fake-');
    this.access.set(access, this.now() + this.ttlSeconds * 1000);
    return access;
  }

  /** A fresh grant for the user (what a completed consent + code exchange gives). */
  grant(scope = 'https://mail.google.com/') {
    const refresh = token('1//fake-');
    this.refresh.set(refresh, { scope, clientId: null });
    return { refresh_token: refresh, access_token: this.issueAccess(), expires_in: this.ttlSeconds, scope };
  }

  isValid(access) {
    const expiry = this.access.get(access);
    return expiry !== undefined && expiry > this.now();
  }

  /** POST /token: `form` is the decoded x-www-form-urlencoded body; → [status, json]. */
  exchange(form) {
    const fail = (error, description) => [400, { error, error_description: description }];
    const grantType = form.get('grant_type');
    if (!grantType) return fail('unsupported_grant_type', 'Invalid grant_type: ');
    if (grantType !== 'refresh_token') return fail('unsupported_grant_type', `Invalid grant_type: ${grantType}`);
    const clientId = form.get('client_id');
    if (!clientId) return fail('invalid_request', 'Could not determine client ID from request.');
    const refresh = form.get('refresh_token');
    if (!refresh) return fail('invalid_request', 'Missing required parameter: refresh_token');
    const held = this.refresh.get(refresh);
    if (!held) return fail('invalid_grant', 'Token has been expired or revoked.');
    // A refresh token belongs to the client it was first used with.
    if (held.clientId === null) held.clientId = clientId;
    else if (held.clientId !== clientId) return [401, { error: 'unauthorized_client', error_description: 'Unauthorized' }];
    return [200, { access_token: this.issueAccess(), expires_in: this.ttlSeconds, token_type: 'Bearer', scope: held.scope }];
  }

  expireAccess() {
    this.access.clear();
  }

  revokeRefresh() {
    this.refresh.clear();
  }
}
