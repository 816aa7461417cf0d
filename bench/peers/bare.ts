// The physical-limit proxy: plain Hono, no validation. GET returns JSON; POST parses JSON and
// inserts one D1 row.
import { Hono } from 'hono';
import { insertProject, type NewProject, projectRow } from './shared';

const app = new Hono<{ Bindings: { DB: D1Database } }>();

app.get('/hello', (c) => c.json({ message: 'hello' }));

app.post('/v1/workspaces/:workspaceId/projects', async (c) => {
  const project = projectRow(c.req.param('workspaceId'), await c.req.json<NewProject>());
  await insertProject(c.env.DB, project);
  return c.json(project, 201);
});

export default app;
