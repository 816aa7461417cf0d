// Deleting a project (or its workspace) removes its rows at once; its archives in R2 go with the
// next daily cron: every `{projectId}/` prefix whose project no longer exists is emptied. (Its KV
// fast-path objects expire on their own within the 24-hour window.)
import { existingProjectIds } from '../repositories/projects';

const KEYS_PER_PAGE = 1000; // R2's most per list and per delete

/** Deletes the archives of projects that no longer exist; returns how many projects and objects went. */
export async function purgeArchivesOfDeletedProjects(env: Env): Promise<{ projects: number; objects: number }> {
  const purged = { projects: 0, objects: 0 };
  let cursor: string | undefined;
  do {
    const page = await env.ARCHIVE.list({ delimiter: '/', cursor, limit: KEYS_PER_PAGE });
    const projectIds = page.delimitedPrefixes.map((prefix) => prefix.slice(0, -1));
    const existing = await existingProjectIds(env.DB, projectIds);
    for (const projectId of projectIds.filter((id) => !existing.has(id))) {
      purged.objects += await deleteAllUnder(env.ARCHIVE, `${projectId}/`);
      purged.projects += 1;
    }
    cursor = page.truncated ? page.cursor : undefined;
  } while (cursor);
  console.log(JSON.stringify({ level: 'info', event: 'archives_purged', ...purged }));
  return purged;
}

async function deleteAllUnder(bucket: R2Bucket, prefix: string): Promise<number> {
  let deleted = 0;
  for (;;) {
    // Deleting as we go: each listing starts again from what is left.
    const { objects } = await bucket.list({ prefix, limit: KEYS_PER_PAGE });
    if (objects.length === 0) return deleted;
    await bucket.delete(objects.map((object) => object.key));
    deleted += objects.length;
  }
}
