// The outside world of the tests: a fake GitHub, Google and mail API. It runs in Node as
// Miniflare's `outboundService` (vitest.config.ts), so it sees every fetch the Worker makes. It
// keeps no state: an OAuth test encodes what the provider should say into the authorization
// `code` (see test/oauth.test.ts), including the PKCE challenge it must check the verifier against.

export const FAKE_HOST = 'https://providers.fake.test';

/** The Worker's provider vars and secrets, pointed at the fake. */
export const FAKE_PROVIDER_BINDINGS = {
  GITHUB_AUTHORIZE_URL: `${FAKE_HOST}/github/authorize`,
  GITHUB_TOKEN_URL: `${FAKE_HOST}/github/token`,
  GITHUB_USER_URL: `${FAKE_HOST}/github/user`,
  GITHUB_EMAILS_URL: `${FAKE_HOST}/github/emails`,
  GITHUB_CLIENT_ID: 'fake-github-client',
  GITHUB_CLIENT_SECRET: 'fake-github-secret',
  GOOGLE_AUTHORIZE_URL: `${FAKE_HOST}/google/authorize`,
  GOOGLE_TOKEN_URL: `${FAKE_HOST}/google/token`,
  GOOGLE_USERINFO_URL: `${FAKE_HOST}/google/userinfo`,
  GOOGLE_CLIENT_ID: 'fake-google-client',
  GOOGLE_CLIENT_SECRET: 'fake-google-secret',
  // Used only where ENVIRONMENT is not development (the outbox mailer serves development).
  MAIL_API_URL: `${FAKE_HOST}/mail/send`,
  MAIL_API_KEY: 'fake-mail-key',
  MAIL_FROM: 'Loglane <no-reply@loglane.test>',
};

/** What a test asks the fake provider to answer. */
export type FakeGrant = {
  /** The code_challenge from the authorization URL; the token request's verifier must match it. */
  challenge: string;
  accountId: string;
  email: string;
  emailVerified: boolean;
  name?: string;
  /** Make the token endpoint refuse the code. */
  failExchange?: boolean;
};

// Node's own base64url, not the Worker's (src/lib/base64url.ts): the fake checks the Worker's PKCE challenge independently.
const b64url = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64url');
const decode = <T>(text: string): T => JSON.parse(Buffer.from(text, 'base64url').toString('utf8')) as T;
const json = (body: unknown, status = 200) =>
  new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } });

async function token(provider: string, request: Request): Promise<Response> {
  const form = new URLSearchParams(await request.text());
  const expected = provider === 'github' ? FAKE_PROVIDER_BINDINGS.GITHUB_CLIENT_SECRET : FAKE_PROVIDER_BINDINGS.GOOGLE_CLIENT_SECRET;
  // GitHub reports token errors with 200, Google with 400: the Worker must handle both.
  const refuse = () => (provider === 'github' ? json({ error: 'bad_verification_code' }) : json({ error: 'invalid_grant' }, 400));
  let grant: FakeGrant;
  try {
    grant = decode<FakeGrant>(form.get('code') ?? '');
  } catch {
    return refuse();
  }
  const verifier = form.get('code_verifier') ?? '';
  const challenge = b64url(new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier))));
  if (
    grant.failExchange ||
    form.get('client_secret') !== expected ||
    challenge !== grant.challenge ||
    form.get('grant_type') !== 'authorization_code'
  )
    return refuse();
  return json({ access_token: `fake_${form.get('code')}`, token_type: 'bearer' });
}

/** The grant an access token stands for, from `Authorization: Bearer fake_<code>`. */
const grantOf = (request: Request) => decode<FakeGrant>((request.headers.get('Authorization') ?? '').replace(/^Bearer fake_/, ''));

/** The mail API: accepts a well-formed message with the right key, like a real provider would. */
async function sendMail(request: Request): Promise<Response> {
  if (request.headers.get('Authorization') !== `Bearer ${FAKE_PROVIDER_BINDINGS.MAIL_API_KEY}`) return json({ error: 'unauthorized' }, 401);
  const mail = (await request.json()) as Record<string, unknown>;
  const wellFormed =
    mail.from === FAKE_PROVIDER_BINDINGS.MAIL_FROM && ['to', 'subject', 'text'].every((field) => typeof mail[field] === 'string');
  return wellFormed ? json({ id: 'mail_1' }, 202) : json({ error: 'invalid message' }, 422);
}

/** Any other host (e.g. a test's own local stub server) is fetched for real, redirects left to the caller. */
async function passThrough(request: Request): Promise<Response> {
  const hasBody = request.method !== 'GET' && request.method !== 'HEAD';
  const response = await fetch(request.url, {
    method: request.method,
    headers: request.headers,
    body: hasBody ? await request.arrayBuffer() : undefined,
    redirect: 'manual',
  });
  // Node's fetch has already decoded the body, so its encoding and length no longer apply.
  const headers = new Headers(response.headers);
  headers.delete('content-encoding');
  headers.delete('content-length');
  return new Response(response.body, { status: response.status, statusText: response.statusText, headers });
}

export async function fakeProviders(request: Request): Promise<Response> {
  const url = new URL(request.url);
  if (url.origin !== FAKE_HOST) return passThrough(request);
  const [, provider, endpoint] = url.pathname.split('/');
  try {
    if (provider === 'mail' && endpoint === 'send' && request.method === 'POST') return await sendMail(request);
    if (endpoint === 'token' && request.method === 'POST') return await token(provider, request);
    const grant = grantOf(request);
    if (provider === 'github' && endpoint === 'user')
      return json({ id: Number(grant.accountId) || grant.accountId, login: 'octo', name: grant.name ?? null });
    if (provider === 'github' && endpoint === 'emails') return json([{ email: grant.email, primary: true, verified: grant.emailVerified }]);
    if (provider === 'google' && endpoint === 'userinfo')
      return json({ sub: grant.accountId, email: grant.email, email_verified: grant.emailVerified, name: grant.name });
  } catch {
    return json({ error: 'invalid_token' }, 401);
  }
  return json({ error: 'not_found' }, 404);
}
