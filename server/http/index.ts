// Every route plugin of the server, in registration order. A new concern adds one line here.
import type { RoutePlugin } from './types.ts';
import systemRoutes from './system-routes.ts';
import authRoutes from './auth-routes.ts';
import widgetRoutes from './widget-routes.ts';
import conversationRoutes from './conversation-routes.ts';
import customerRoutes from './customer-routes.ts';
import adminRoutes from './admin-routes.ts';
import consoleRoutes from './console-routes.ts';

export const routePlugins: RoutePlugin[] = [
  systemRoutes,
  authRoutes,
  widgetRoutes,
  conversationRoutes,
  customerRoutes,
  adminRoutes,
  consoleRoutes,
];
