// Peer: a minimal create route in the style of hono-open-api-starter (w3cj): an OpenAPIHono app
// with a default hook answering 422, routes declared with createRoute and jsonContent helpers, the
// runtime document served at /doc. Same body schema and D1 insert as every contender.
import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import { insertProject, projectRow } from './shared';

type AppBindings = { Bindings: { DB: D1Database } };

// stoker's helpers, inlined (the starter imports them from `stoker/openapi/helpers`).
const jsonContent = <T extends z.ZodType>(schema: T, description: string) => ({ content: { 'application/json': { schema } }, description });
const jsonContentRequired = <T extends z.ZodType>(schema: T, description: string) => ({
  ...jsonContent(schema, description),
  required: true,
});
const createErrorSchema = <T extends z.ZodType>(_schema: T) =>
  z
    .object({
      success: z.boolean(),
      error: z.object({
        issues: z.array(z.object({ code: z.string(), path: z.array(z.union([z.string(), z.number()])), message: z.string().optional() })),
        name: z.string(),
      }),
    })
    .openapi({ example: { success: false, error: { issues: [], name: 'ZodError' } } }) as unknown as T;

// stoker's defaultHook: a failed validation is 422 with the zod error.
const defaultHook = (result: { success: boolean; error?: unknown }, c: any) => {
  if (!result.success) return c.json({ success: false, error: result.error }, 422);
};

function createRouter() {
  return new OpenAPIHono<AppBindings>({ strict: false, defaultHook });
}

// The schemas (the starter derives them with drizzle-zod; here by hand, same constraints as Loglane's contract).
const idSchema = z
  .string()
  .min(4)
  .max(64)
  .regex(/^[a-z]+_[A-Za-z0-9]+$/);
const insertProjectSchema = z.strictObject({
  name: z.string().min(1).max(100),
  slug: z.string().regex(/^[a-z0-9](?:[a-z0-9-]{1,46}[a-z0-9])$/),
  retentionDays: z.int().gte(1).lte(3650).optional(),
});
const selectProjectSchema = z.object({
  id: idSchema,
  workspaceId: idSchema,
  name: z.string(),
  slug: z.string(),
  retentionDays: z.int(),
  createdAt: z.string(),
  updatedAt: z.string(),
});

// routes/projects/projects.routes.ts
const create = createRoute({
  path: '/v1/workspaces/{workspaceId}/projects',
  method: 'post',
  tags: ['Projects'],
  request: { params: z.object({ workspaceId: idSchema }), body: jsonContentRequired(insertProjectSchema, 'The project to create') },
  responses: {
    201: jsonContent(selectProjectSchema, 'The created project'),
    422: jsonContent(createErrorSchema(insertProjectSchema), 'The validation error(s)'),
  },
});

// routes/projects/projects.index.ts
const router = createRouter().openapi(create, async (c) => {
  const project = projectRow(c.req.valid('param').workspaceId, c.req.valid('json'));
  await insertProject(c.env.DB, project);
  return c.json(project, 201);
});

// app.ts: createApp + configureOpenAPI
const app = createRouter();
app.doc('/doc', { openapi: '3.0.0', info: { version: '1.0.0', title: 'Starter peer' } });
app.route('/', router);

export default app;
