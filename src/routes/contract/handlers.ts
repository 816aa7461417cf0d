import type { Context } from 'hono';
import type { AppEnv } from '../../types';

/** Serves a file of the Worker's static assets with the app's own headers (request id, rate limits). */
export const serveAsset = (assetPath: string) => async (c: Context<AppEnv>) => {
  const asset = await c.env.ASSETS.fetch(new URL(assetPath, c.req.url));
  if (!asset.ok) throw new Error(`static asset ${assetPath} answered ${asset.status}`);
  const headers = { 'Content-Type': asset.headers.get('Content-Type') ?? 'application/octet-stream', 'Cache-Control': 'public, max-age=300' };
  // A file streamed as it is: its type is the contract's by construction (both come from generated/).
  return c.body(asset.body as ReadableStream, 200, headers) as never;
};
