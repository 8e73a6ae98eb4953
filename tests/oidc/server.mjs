// A real OAuth 2.0 / OpenID Connect authorization server (oidc-provider) for tests, on
// 127.0.0.1 with a port the OS picks. It holds one native public client (RFC 8252: no
// secret, PKCE S256 required, loopback redirect on any port), rotates refresh tokens on
// every use (a reused one is invalid_grant and revokes the grant), and completes every
// interaction by itself: one fixed account signs in and consents, so a plain HTTP client
// that follows redirects with a cookie jar ends at the redirect_uri with a code.
//
// Usage: node server.mjs --port 0 [--account NAME] [--access-ttl SECONDS]
//          [--introspection-secret SECRET]
// Prints `PORT <n>` once listening. With --introspection-secret, a confidential client
// `mail-server` (client_secret_basic) may call the introspection endpoint, as Dovecot does.
// Test-only control endpoint: POST /test/access-token {"ttl": seconds} mints an access
// token for the account without a browser (for IMAP/SMTP tests); a ttl <= 0 gives one that
// has already expired.

import http from 'node:http';
import { parseArgs } from 'node:util';
import Provider from 'oidc-provider';

export const CLIENT_ID = 'switchboard-desktop';
export const INTROSPECTION_CLIENT_ID = 'mail-server';
const SCOPES = ['openid', 'email', 'offline_access'];

const { values: args } = parseArgs({
  options: {
    port: { type: 'string', default: '0' },
    account: { type: 'string', default: 'test-user' },
    'access-ttl': { type: 'string', default: '3600' },
    'introspection-secret': { type: 'string' },
  },
});
const accessTtl = Number(args['access-ttl']);
const account = args.account;

function configuration() {
  const clients = [
    {
      client_id: CLIENT_ID,
      application_type: 'native',
      token_endpoint_auth_method: 'none',
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      // RFC 8252 §7.3: for native clients oidc-provider ignores the port of a loopback
      // redirect URI, so this one registration admits http://127.0.0.1:<any>/.
      redirect_uris: ['http://127.0.0.1/'],
    },
  ];
  if (args['introspection-secret']) {
    clients.push({
      client_id: INTROSPECTION_CLIENT_ID,
      client_secret: args['introspection-secret'],
      token_endpoint_auth_method: 'client_secret_basic',
      grant_types: [],
      response_types: [],
      redirect_uris: [],
    });
  }
  return {
    clients,
    scopes: SCOPES,
    claims: { openid: ['sub'], email: ['email', 'email_verified'] },
    pkce: { required: () => true },
    features: {
      devInteractions: { enabled: false },
      introspection: { enabled: true },
      revocation: { enabled: true },
    },
    interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
    rotateRefreshToken: () => true,
    // A refresh token is issued whenever offline_access was granted.
    issueRefreshToken: async (_ctx, client, code) =>
      client.grantTypeAllowed('refresh_token') && code.scopes.has('offline_access'),
    findAccount: async (_ctx, sub) => ({
      accountId: sub,
      claims: async () => ({ sub, email: `${sub}@example.test`, email_verified: true }),
    }),
    ttl: {
      AccessToken: accessTtl,
      AuthorizationCode: 60,
      Grant: 86400,
      IdToken: 3600,
      Interaction: 600,
      RefreshToken: 86400,
      Session: 86400,
    },
    cookies: { keys: ['switchboard-test-cookie-key'] },
    clientBasedCORS: () => false,
  };
}

/// The fixed account signs in and grants whatever the client asked for.
async function completeInteraction(provider, req, res) {
  const details = await provider.interactionDetails(req, res);
  const { prompt, params } = details;
  let result;
  if (prompt.name === 'login') {
    result = { login: { accountId: account } };
  } else {
    const grant = details.grantId
      ? await provider.Grant.find(details.grantId)
      : new provider.Grant({ accountId: account, clientId: params.client_id });
    const missing = prompt.details;
    if (missing.missingOIDCScope) grant.addOIDCScope(missing.missingOIDCScope.join(' '));
    if (missing.missingOIDCClaims) grant.addOIDCClaims(missing.missingOIDCClaims);
    for (const [indicator, scopes] of Object.entries(missing.missingResourceScopes ?? {})) {
      grant.addResourceScope(indicator, scopes.join(' '));
    }
    result = { consent: { grantId: await grant.save() } };
  }
  await provider.interactionFinished(req, res, result, { mergeWithLastSubmission: true });
}

async function mintAccessToken(provider, req, res) {
  let body = '';
  for await (const chunk of req) body += chunk;
  const ttl = Number(JSON.parse(body || '{}').ttl ?? accessTtl);
  const grant = new provider.Grant({ accountId: account, clientId: CLIENT_ID });
  grant.addOIDCScope(SCOPES.join(' '));
  const grantId = await grant.save();
  const client = await provider.Client.find(CLIENT_ID);
  const token = new provider.AccessToken({
    accountId: account,
    client,
    grantId,
    scope: SCOPES.join(' '),
    expiresIn: ttl,
  });
  const value = await token.save();
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ access_token: value, expires_in: ttl }));
}

let provider;
let callback;
const server = http.createServer((req, res) => {
  const fail = (err) => {
    console.error(err);
    if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
    res.end(String(err));
  };
  if (req.url.startsWith('/interaction/')) {
    completeInteraction(provider, req, res).catch(fail);
  } else if (req.method === 'POST' && req.url === '/test/access-token') {
    mintAccessToken(provider, req, res).catch(fail);
  } else {
    callback(req, res);
  }
});

server.listen(Number(args.port), '127.0.0.1', () => {
  const { port } = server.address();
  provider = new Provider(`http://127.0.0.1:${port}`, configuration());
  provider.on('server_error', (_ctx, err) => console.error('server_error', err));
  // The reason behind an invalid_grant (e.g. a PKCE mismatch) is only in `cause`.
  provider.on('grant.error', (_ctx, err) =>
    console.error('grant.error', err.message, err.error_description ?? '', err.cause?.message ?? ''));
  callback = provider.callback();
  process.stdout.write(`PORT ${port}\n`);
});

for (const signal of ['SIGTERM', 'SIGINT']) {
  process.on(signal, () => server.close(() => process.exit(0)));
}
