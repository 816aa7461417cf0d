import { createRouter } from '../../lib/operation';
import * as handlers from './logs.handlers';
import { exportOtlpLogsRoute, ingestLogsRoute, queryLogsRoute, sourceFirst, tailLogsRoute } from './logs.routes';

export const logRoutes = createRouter()
  .openapi(ingestLogsRoute, handlers.ingestLogs)
  .openapi(queryLogsRoute, handlers.queryLogs, sourceFirst)
  .openapi(tailLogsRoute, handlers.tailLogs)
  .openapi(exportOtlpLogsRoute, handlers.exportOtlpLogs);
