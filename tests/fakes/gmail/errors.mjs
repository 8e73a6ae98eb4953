// Google's JSON error format ({"error":{code,message,errors:[…],status}}), as every Google
// API answers errors. One place builds it so every error the fake returns has the same shape.

const STATUS = {
  400: 'INVALID_ARGUMENT',
  401: 'UNAUTHENTICATED',
  403: 'PERMISSION_DENIED',
  404: 'NOT_FOUND',
  409: 'ALREADY_EXISTS',
  429: 'RESOURCE_EXHAUSTED',
  500: 'INTERNAL',
  501: 'UNIMPLEMENTED',
  502: 'UNAVAILABLE',
  503: 'UNAVAILABLE',
  504: 'DEADLINE_EXCEEDED',
};

const REASON = {
  400: 'badRequest',
  401: 'authError',
  403: 'forbidden',
  404: 'notFound',
  409: 'conflict',
  429: 'rateLimitExceeded',
  500: 'backendError',
  501: 'notImplemented',
  502: 'backendError',
  503: 'backendError',
  504: 'backendError',
};

/** An error the API answers with; `headers` are extra response headers. */
export class ApiError extends Error {
  constructor(code, message, options = {}) {
    super(message);
    this.code = code;
    this.reason = options.reason ?? REASON[code] ?? 'unknown';
    this.domain = options.domain ?? 'global';
    this.status = options.status ?? STATUS[code] ?? 'UNKNOWN';
    this.location = options.location;
    this.locationType = options.locationType;
    this.itemMessage = options.itemMessage ?? message;
    this.headers = options.headers ?? {};
  }

  body() {
    const item = { message: this.itemMessage, domain: this.domain, reason: this.reason };
    if (this.location) {
      item.location = this.location;
      item.locationType = this.locationType;
    }
    return { error: { code: this.code, message: this.message, errors: [item], status: this.status } };
  }
}

export const notFound = () => new ApiError(404, 'Requested entity was not found.');
export const badRequest = (message, extra = {}) => new ApiError(400, message, extra);

export function unauthenticated() {
  return new ApiError(
    401,
    'Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential. See https://developers.google.com/identity/sign-in/web/devconsole-project.',
    {
      itemMessage: 'Invalid Credentials',
      location: 'Authorization',
      locationType: 'header',
      headers: {
        'WWW-Authenticate': 'Bearer realm="https://accounts.google.com/", error="invalid_token"',
      },
    },
  );
}

/** An error with just a status (the control API's `fail`), in Google's shape. */
export function injected(code, retryAfter) {
  const headers = {};
  if (retryAfter !== undefined && retryAfter !== null) headers['Retry-After'] = String(retryAfter);
  if (code === 401) return Object.assign(unauthenticated(), { headers: { ...unauthenticated().headers, ...headers } });
  const messages = {
    429: 'Resource has been exhausted (e.g. check quota).',
    500: 'Internal error encountered.',
    503: 'The service is currently unavailable.',
  };
  const domain = code === 429 ? 'usageLimits' : 'global';
  return new ApiError(code, messages[code] ?? `Injected failure (HTTP ${code}).`, { headers, domain });
}
