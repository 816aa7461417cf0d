import type { Context } from 'hono';
import { CONTRACT_SERVER_URL } from '../../lib/contract-version';
import type { AppEnv } from '../../types';

/**
 * Serves a file of the Worker's static assets with the app's own headers (request id, rate limits),
 * with this Worker's address (PUBLIC_BASE_URL; `npm start` sets it from PORT) in place of the
 * contract's server, so that the reference's server and code samples point where it is served from.
 */
export const serveAsset = (assetPath: string) => async (c: Context<AppEnv>) => {
  const asset = await c.env.ASSETS.fetch(new URL(assetPath, c.req.url));
  if (!asset.ok) throw new Error(`static asset ${assetPath} answered ${asset.status}`);
  const headers = {
    'Content-Type': asset.headers.get('Content-Type') ?? 'application/octet-stream',
    'Cache-Control': 'public, max-age=300',
  };
  // Its type is the contract's by construction (both come from generated/).
  return c.body((await asset.text()).replaceAll(CONTRACT_SERVER_URL, c.env.PUBLIC_BASE_URL), 200, headers) as never;
};
