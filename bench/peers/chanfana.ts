// Peer: a minimal create endpoint in the style of Cloudflare's chanfana OpenAPI template: a Hono
// app wrapped by fromHono (docs and schema served), a class-based OpenAPIRoute whose handle()
// reads getValidatedData(). Same body schema and D1 insert as every contender.
import { contentJson, fromHono, OpenAPIRoute } from 'chanfana';
import { type Context, Hono } from 'hono';
import { z } from 'zod';
import { insertProject, projectRow } from './shared';

type AppContext = Context<{ Bindings: { DB: D1Database } }>;

const Id = z
  .string()
  .min(4)
  .max(64)
  .regex(/^[a-z]+_[A-Za-z0-9]+$/);
const ProjectInput = z.strictObject({
  name: z.string().min(1).max(100),
  slug: z.string().regex(/^[a-z0-9](?:[a-z0-9-]{1,46}[a-z0-9])$/),
  retentionDays: z.int().gte(1).lte(3650).optional(),
});
const Project = z.object({
  id: Id,
  workspaceId: Id,
  name: z.string(),
  slug: z.string(),
  retentionDays: z.int(),
  createdAt: z.string(),
  updatedAt: z.string(),
});

// endpoints/projectCreate.ts
export class ProjectCreate extends OpenAPIRoute {
  schema = {
    tags: ['Projects'],
    summary: 'Create a new Project',
    request: {
      params: z.object({ workspaceId: Id }),
      body: contentJson(ProjectInput),
    },
    responses: {
      '201': {
        description: 'Returns the created project',
        ...contentJson(z.object({ success: z.boolean(), result: z.object({ project: Project }) })),
      },
    },
  };

  async handle(c: AppContext) {
    const data = await this.getValidatedData<typeof this.schema>();
    const project = projectRow(data.params.workspaceId, data.body);
    await insertProject(c.env.DB, project);
    return c.json({ success: true, result: { project } }, 201);
  }
}

// index.ts
const app = new Hono<{ Bindings: { DB: D1Database } }>();
const openapi = fromHono(app, { docs_url: '/' });
openapi.post('/v1/workspaces/:workspaceId/projects', ProjectCreate);

export default app;
