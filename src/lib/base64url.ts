// base64url without padding (RFC 4648 §5), the one encoding of bytes in ids, hashes and cursors.
// Hono's own encoder keeps the padding and is not a public export, hence these two lines.

export const base64url = (bytes: Uint8Array) =>
  btoa(String.fromCharCode(...bytes))
    .replaceAll('+', '-')
    .replaceAll('/', '_')
    .replace(/=+$/, '');

/** The bytes of a base64url text; throws on text that is not base64url. */
export const fromBase64url = (text: string) =>
  Uint8Array.from(atob(text.replaceAll('-', '+').replaceAll('_', '/')), (ch) => ch.charCodeAt(0));
