// Tenancy fixtures, made through the HTTP API like a client would (so they are contract-checked too):
// workspaces, members, projects and API keys. Each helper fails loudly if the API refuses.
import type { z } from 'zod';
import type {
  zApiKeyScope,
  zAssignableRole,
  zCreatedApiKey,
  zCreateProjectRequest,
  zCreateWorkspaceRequest,
  zInvitation,
  zProject,
  zWorkspace,
} from '../../generated/zod/zod.gen';
import { type ApiResponse, api } from './http';
import { type SignedUpUser, signUp } from './users';

export type Role = z.infer<typeof zAssignableRole>;
export type Scope = z.infer<typeof zApiKeyScope>;
export type Workspace = z.infer<typeof zWorkspace>;
export type Project = z.infer<typeof zProject>;
export type CreatedApiKey = z.infer<typeof zCreatedApiKey>;

let counter = 0;
/** A slug no other test uses: lower-case, digits and hyphens, 3 to 48 characters. */
export const uniqueSlug = (prefix = 't') =>
  `${prefix}-${Date.now().toString(36)}-${(counter++).toString(36)}-${Math.random().toString(36).slice(2, 6)}`;

function created<T>(res: ApiResponse, what: string): T {
  if (res.status !== 201) throw new Error(`creating ${what} answered ${res.status}: ${res.text.slice(0, 300)}`);
  return res.body.data as T;
}

export async function createWorkspace(token: string, body: Partial<z.infer<typeof zCreateWorkspaceRequest>> = {}): Promise<Workspace> {
  return created(await api.post('/v1/workspaces', { name: 'Workspace', slug: uniqueSlug('ws'), ...body }, { token }), 'a workspace');
}

/** Makes a signed-up user a member the only way there is: an admin's (or the owner's) `token` invites, the user accepts. */
export async function addMember(token: string, workspaceId: string, user: SignedUpUser, role: Role = 'member') {
  const invitation = created<z.infer<typeof zInvitation>>(
    await api.post(`/v1/workspaces/${workspaceId}/invitations`, { email: user.email, role }, { token }),
    'an invitation',
  );
  const accepted = await api.post(`/v1/me/invitations/${invitation.id}/accept`, undefined, { token: user.accessToken });
  if (accepted.status !== 200) throw new Error(`accepting an invitation answered ${accepted.status}: ${accepted.text.slice(0, 300)}`);
  return accepted.body.data as Workspace;
}

export async function createProject(
  token: string,
  workspaceId: string,
  body: Partial<z.infer<typeof zCreateProjectRequest>> = {},
): Promise<Project> {
  return created(
    await api.post(`/v1/workspaces/${workspaceId}/projects`, { name: 'Project', slug: uniqueSlug('prj'), ...body }, { token }),
    'a project',
  );
}

/** A project API key; `secret` is the `sk_…` to authenticate with. */
export async function createApiKey(
  token: string,
  workspaceId: string,
  projectId: string,
  scopes: Scope[] = ['logs:write', 'logs:read'],
  name = 'test key',
): Promise<CreatedApiKey> {
  return created(await api.post(`/v1/workspaces/${workspaceId}/projects/${projectId}/api-keys`, { name, scopes }, { token }), 'an API key');
}

export type Tenant = {
  owner: SignedUpUser;
  workspace: Workspace;
  project: Project;
  /** A key of the project with both scopes. */
  key: CreatedApiKey;
};

/** A signed-up owner with a workspace, a project in it and a key of that project (both scopes). */
export async function createTenant(owner?: SignedUpUser): Promise<Tenant> {
  const user = owner ?? (await signUp());
  const workspace = await createWorkspace(user.accessToken);
  const project = await createProject(user.accessToken, workspace.id);
  const key = await createApiKey(user.accessToken, workspace.id, project.id);
  return { owner: user, workspace, project, key };
}
