/** Now as the API reports times (RFC 3339 UTC). Tests move it with vi.setSystemTime. */
export const nowIso = () => new Date().toISOString();
export const isoIn = (seconds: number) => new Date(Date.now() + seconds * 1000).toISOString();
export const unixSeconds = () => Math.floor(Date.now() / 1000);
