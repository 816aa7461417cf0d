// Small WebCrypto helpers: random ids and tokens, hashing, constant-time comparison, passwords.

import { base64url, fromBase64url } from './base64url';

const encoder = new TextEncoder();

const ALPHANUMERIC = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

// One getRandomValues call costs more than the id it makes (about 4 µs in Node), so random bytes
// are drawn 4 KiB at a time per isolate and each handed out once, as Node does for randomUUID().
const RANDOM_POOL_BYTES = 4096;
let randomPool = new Uint8Array(0);
let randomPoolUsed = 0;

/** `length` (at most 4 KiB) random bytes never handed out before. */
function randomBytes(length: number): Uint8Array {
  if (randomPoolUsed + length > randomPool.length) {
    randomPool = crypto.getRandomValues(new Uint8Array(RANDOM_POOL_BYTES));
    randomPoolUsed = 0;
  }
  randomPoolUsed += length;
  return randomPool.subarray(randomPoolUsed - length, randomPoolUsed);
}

/** `length` random alphanumerics; 24 carry ~143 bits. */
export function randomAlphanumerics(length: number): string {
  const bytes = randomBytes(length);
  let out = '';
  for (const byte of bytes) out += ALPHANUMERIC[byte % 62]; // 256 % 62 bias is negligible for ids and tokens of this length
  return out;
}

/** `prefix_` + random alphanumerics. */
export const randomId = (prefix: string, length = 24) => `${prefix}_${randomAlphanumerics(length)}`;

const toHex = (bytes: ArrayBuffer) => [...new Uint8Array(bytes)].map((b) => b.toString(16).padStart(2, '0')).join('');

export async function sha256Hex(data: string | Uint8Array): Promise<string> {
  return toHex(await crypto.subtle.digest('SHA-256', typeof data === 'string' ? encoder.encode(data) : data));
}

// Importing an HMAC key costs about as much as a signature: import it once per secret and isolate.
const hmacKeys = new Map<string, Promise<CryptoKey>>();
export function hmacKey(secret: string): Promise<CryptoKey> {
  let key = hmacKeys.get(secret);
  if (!key) {
    key = crypto.subtle.importKey('raw', encoder.encode(secret), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign', 'verify']);
    hmacKeys.set(secret, key);
  }
  return key;
}

/** HMAC-SHA256 of `text` under `secret`, as hex. */
export async function hmacHex(secret: string, text: string): Promise<string> {
  return toHex(await crypto.subtle.sign('HMAC', await hmacKey(secret), encoder.encode(text)));
}

/** Compares secrets without leaking where they differ. */
export function timingSafeEqual(a: string, b: string): boolean {
  const left = encoder.encode(a);
  const right = encoder.encode(b);
  if (left.byteLength !== right.byteLength) return false;
  return crypto.subtle.timingSafeEqual(left, right);
}

// Passwords: PBKDF2-SHA256 at workerd's maximum of 100,000 iterations, stored self-describing so
// the cost can be raised later: pbkdf2-sha256$<iterations>$<salt>$<hash>.
const PBKDF2_ITERATIONS = 100_000;

async function pbkdf2(password: string, salt: Uint8Array, iterations: number): Promise<Uint8Array> {
  const key = await crypto.subtle.importKey('raw', encoder.encode(password), 'PBKDF2', false, ['deriveBits']);
  const bits = await crypto.subtle.deriveBits({ name: 'PBKDF2', hash: 'SHA-256', salt, iterations }, key, 256);
  return new Uint8Array(bits);
}

export async function hashPassword(password: string): Promise<string> {
  const salt = crypto.getRandomValues(new Uint8Array(16));
  const hash = await pbkdf2(password, salt, PBKDF2_ITERATIONS);
  return `pbkdf2-sha256$${PBKDF2_ITERATIONS}$${base64url(salt)}$${base64url(hash)}`;
}

// A well-formed hash of no password: unknown users are checked against it so they take as long.
const DUMMY_HASH = `pbkdf2-sha256$${PBKDF2_ITERATIONS}$${base64url(new Uint8Array(16))}$${base64url(new Uint8Array(32))}`;

/** Checks a password against a stored hash; with no hash it still does the full work, then fails. */
export async function verifyPassword(password: string, stored: string | null | undefined): Promise<boolean> {
  const [scheme, iterations, salt, hash] = (stored ?? DUMMY_HASH).split('$');
  if (scheme !== 'pbkdf2-sha256') return false;
  const derived = await pbkdf2(password, fromBase64url(salt), Number(iterations));
  return timingSafeEqual(base64url(derived), hash) && stored != null;
}
