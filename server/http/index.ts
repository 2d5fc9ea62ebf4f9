// Every route plugin of the server, in registration order. A new concern adds one line here.
import type { RoutePlugin } from './types.ts';
import systemRoutes from './system-routes.ts';
import authRoutes from './auth-routes.ts';
import twoStepRoutes from './two-step-routes.ts';
import widgetRoutes from './widget-routes.ts';
import widgetAssetsRoutes from './widget-assets-routes.ts';
import conversationRoutes from './conversation-routes.ts';
import customerRoutes from './customer-routes.ts';
import customerNoteRoutes from './customer-note-routes.ts';
import customerImportRoutes from './customer-import-routes.ts';
import conversationImportRoutes from './conversation-import-routes.ts';
import adminKbRoutes from './admin-kb-routes.ts';
import assistRoutes from './assist-routes.ts';
import intentLabelRoutes from './intent-label-routes.ts';
import adminRoutes from './admin-routes.ts';
import cannedResponseRoutes from './canned-response-routes.ts';
import macroRoutes from './macro-routes.ts';
import inboxViewRoutes from './inbox-view-routes.ts';
import automationRuleRoutes from './automation-rule-routes.ts';
import reportRatingsRoutes from './report-ratings-routes.ts';
import teamSettingsRoutes from './team-settings-routes.ts';
import teamRoutes from './team-routes.ts';
import consoleRoutes from './console-routes.ts';
import attachmentRoutes from './attachment-routes.ts';
import shopFeedRoutes from './shop-feed-routes.ts';
import webhookRoutes from './webhook-routes.ts';
import apiTokenRoutes from './api-token-routes.ts';
import emailRoutes from './email-routes.ts';
import csatEmailRoutes from './csat-email-routes.ts';
import emailInboundRoutes from './email-inbound-routes.ts';
import emailAlertRoutes from './email-alert-routes.ts';

export const routePlugins: RoutePlugin[] = [
  systemRoutes,
  authRoutes,
  twoStepRoutes,
  widgetAssetsRoutes, // before widgetRoutes: its CORS hook must cover the /api/widget/ routes
  widgetRoutes,
  conversationRoutes,
  attachmentRoutes,
  customerRoutes,
  customerNoteRoutes,
  customerImportRoutes,
  conversationImportRoutes,
  adminKbRoutes,
  assistRoutes,
  intentLabelRoutes,
  adminRoutes,
  cannedResponseRoutes,
  macroRoutes,
  inboxViewRoutes,
  automationRuleRoutes,
  reportRatingsRoutes,
  teamSettingsRoutes,
  teamRoutes,
  webhookRoutes,
  apiTokenRoutes,
  shopFeedRoutes,
  emailRoutes,
  csatEmailRoutes,
  emailInboundRoutes,
  emailAlertRoutes,
  consoleRoutes,
];
