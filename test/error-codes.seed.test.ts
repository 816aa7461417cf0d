// Every code and message of the product's binding error reference (shared/product/error-codes.seed.txt,
// beside the clone; see test/support/error-codes-seed.ts), pinned to its literal text: each
// scenario is reached through HTTP, and the generated catalog and the served /openapi.json must say
// the same. Guards an edited catalog message: the other suites compare with generated/errors.ts,
// so an edit there changes both sides of their assertions; here one side is the seed's own words.
import { env } from 'cloudflare:workers';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { ERROR_STATUS, ERRORS } from '../generated/errors';
import { badCredentialHeaders } from './support/fuzz-world';
import { type ApiResponse, api, expectError } from './support/http';
import { addMember, createApiKey, createTenant, type Tenant } from './support/tenancy';
import { latestMailedToken, type SignedUpUser, signUp, uniqueEmail } from './support/users';

function seedText(): string {
  const seed = env.TEST_ERROR_CODES_SEED;
  if ('missing' in seed)
    throw new Error(`The error reference is missing: looked for ${seed.missing.join(' and ')}. CI puts shared/ beside the clone.`);
  return seed.text;
}

const lines = seedText()
  .split('\n')
  .map((line) => line.trim());
const CODE = '[A-Z][A-Z_]+';
/** "Error Code Reference" rows: `CODE | status | description |`. */
const codes = lines.flatMap((line) => {
  const row = line.match(new RegExp(`^\\|?\\s*(${CODE})\\s*\\|\\s*(\\d{3})\\s*\\|\\s*(.+?)\\s*\\|$`));
  return row ? [{ code: row[1], status: Number(row[2]), description: row[3] }] : [];
});
/** Context-specific rows: `| scenario | CODE | status | message |`. */
const scenarios = lines.flatMap((line) => {
  const row = line.match(new RegExp(`^\\|\\s*(.+?)\\s*\\|\\s*(${CODE})\\s*\\|\\s*(\\d{3})\\s*\\|\\s*(.+?)\\s*\\|$`));
  return row ? [{ scenario: row[1], code: row[2], status: Number(row[3]), message: row[4] }] : [];
});

let tenant: Tenant;
let member: SignedUpUser;
let admin: SignedUpUser;
beforeAll(async () => {
  [tenant, member, admin] = await Promise.all([createTenant(), signUp(), signUp()]);
  await Promise.all([
    addMember(tenant.owner.accessToken, tenant.workspace.id, member, 'member'),
    addMember(tenant.owner.accessToken, tenant.workspace.id, admin, 'admin'),
  ]);
});
afterEach(() => {
  vi.useRealTimers();
});

const register = (body: Record<string, unknown>) =>
  api.post('/v1/auth/register', { email: uniqueEmail(), password: 'correct-horse-battery', name: 'Seed', ...body });

/** One request per seed scenario that produces it. */
const REACH: Record<string, () => Promise<ApiResponse>> = {
  'No Authorization header': () => api.get('/v1/me'),
  'Invalid JWT signature': async () => api.get('/v1/me', { headers: await badCredentialHeaders('wrongKey', tenant.owner.user.id) }),
  'Expired JWT': () => {
    // The Worker shares the test's clock: 16 minutes on, the 15-minute access token has expired.
    vi.setSystemTime(Date.now() + 16 * 60 * 1000);
    return api.get('/v1/me', { token: tenant.owner.accessToken });
  },
  'Invalid API key': () => api.post('/v1/logs', { level: 'info', message: 'x' }, { token: `sk_${'Z'.repeat(32)}` }),
  'Wrong password': () => api.post('/v1/auth/login', { email: tenant.owner.email, password: 'not-the-password' }),
  'Expired magic link': async () => {
    const email = uniqueEmail('magic');
    await api.post('/v1/auth/magic-link', { email });
    const token = await latestMailedToken(email);
    vi.setSystemTime(Date.now() + 16 * 60 * 1000); // the link works for 15 minutes
    return api.post('/v1/auth/magic-link/verify', { token });
  },
  'Email not verified': async () => {
    const email = uniqueEmail('unverified');
    await register({ email });
    return api.post('/v1/auth/login', { email, password: 'correct-horse-battery' });
  },
  'Member attempts admin action': () =>
    api.patch(`/v1/workspaces/${tenant.workspace.id}`, { name: 'Renamed' }, { token: member.accessToken }),
  'API key missing required scope': async () => {
    const readOnly = await createApiKey(tenant.owner.accessToken, tenant.workspace.id, tenant.project.id, ['logs:read']);
    return api.post('/v1/logs', { level: 'info', message: 'x' }, { token: readOnly.secret });
  },
  'Non-owner attempts ownership transfer': () =>
    api.post(`/v1/workspaces/${tenant.workspace.id}/transfer-ownership`, { userId: member.user.id }, { token: admin.accessToken }),
  'Unlinking last auth method': () => api.delete('/v1/me/auth-methods/password', { token: member.accessToken }),
  'Missing required field': () => api.post('/v1/auth/register', { email: uniqueEmail(), name: 'Seed' }),
  'Invalid email format': () => register({ email: 'not-an-email' }),
  'Password too short (<8 chars)': () => register({ password: 'short' }),
  'Duplicate email on register': () => register({ email: tenant.owner.email }),
  'Duplicate workspace slug': () =>
    api.post('/v1/workspaces', { name: 'Taken', slug: tenant.workspace.slug }, { token: tenant.owner.accessToken }),
  'Unsupported OAuth provider': () => api.get('/v1/auth/oauth/twitter'),
};

let served: any;
beforeAll(async () => {
  served = (await api.get('/openapi.json')).body;
});
const servedErrorCode = () => served.components.schemas.ErrorCode;

describe('the error reference (error-codes.seed.txt)', () => {
  it('was read: its eight codes and its scenario tables', () => {
    expect(codes.map((c) => c.code)).toEqual([
      'UNAUTHORIZED',
      'AUTH_FAILED',
      'VALIDATION_ERROR',
      'NOT_FOUND',
      'FORBIDDEN',
      'RATE_LIMITED',
      'INVALID_SOURCE',
      'INTERNAL_ERROR',
    ]);
    expect(scenarios.length).toBeGreaterThanOrEqual(17);
    // A scenario added to the seed fails here until a request for it is added above.
    expect(scenarios.map((s) => s.scenario).sort()).toEqual(Object.keys(REACH).sort());
  });

  it.each(codes.map((c) => [c.code, c] as const))(
    '%s: status and description in the generated catalog and the served contract',
    (_, { code, status, description }) => {
      expect(ERROR_STATUS[code as keyof typeof ERROR_STATUS]).toBe(status);
      const schema = servedErrorCode();
      expect(schema['x-error-catalog'].codes[code]).toBe(status);
      expect(schema['x-enum-descriptions'][schema.enum.indexOf(code)]).toBe(description);
    },
  );

  it.each(scenarios.map((s) => [s.scenario, s] as const))(
    '%s: the literal message in the generated catalog, the served contract and the response',
    async (scenario, { code, status, message }) => {
      expect(Object.values(ERRORS)).toContainEqual({ code, status, message });
      expect(servedErrorCode()['x-error-catalog'].scenarios).toContainEqual(expect.objectContaining({ scenario, code, status, message }));
      expectError(await REACH[scenario](), status, code, message);
    },
  );
});
