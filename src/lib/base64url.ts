// base64url without padding (RFC 4648 §5), the one encoding of bytes in ids, hashes and cursors.
// Hono's own encoder keeps the padding and is not a public export, hence these two lines.

// Bytes go to String.fromCharCode a chunk at a time: one call with a block's whole Bloom filter
// (over 100 KB) as arguments overflows the stack.
const CHUNK = 8192;

export function base64url(bytes: Uint8Array): string {
  let binary = '';
  for (let start = 0; start < bytes.length; start += CHUNK) binary += String.fromCharCode(...bytes.subarray(start, start + CHUNK));
  return btoa(binary).replaceAll('+', '-').replaceAll('/', '_').replace(/=+$/, '');
}

/** The bytes of a base64url text; throws on text that is not base64url. */
export const fromBase64url = (text: string) =>
  Uint8Array.from(atob(text.replaceAll('-', '+').replaceAll('_', '/')), (ch) => ch.charCodeAt(0));
