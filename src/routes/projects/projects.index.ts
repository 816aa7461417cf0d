import { createRouter } from '../../lib/operation';
import * as handlers from './projects.handlers';
import { createProjectRoute, deleteProjectRoute, getProjectRoute, listProjectsRoute, updateProjectRoute } from './projects.routes';

export const projectRoutes = createRouter()
  .openapi(createProjectRoute, handlers.createProject)
  .openapi(listProjectsRoute, handlers.listProjects)
  .openapi(getProjectRoute, handlers.getProject)
  .openapi(updateProjectRoute, handlers.updateProject)
  .openapi(deleteProjectRoute, handlers.deleteProject);
