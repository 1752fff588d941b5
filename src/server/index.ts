/** @module The HTTP server: health now; API, WebSocket and dashboard in later issues. */

export {
  type CallerFormat,
  callerErrorBody,
  retryAfterSeconds,
  sendCallerError,
  toCallerError,
} from './caller-errors.js';
export { type GatewayRouteDeps, registerGatewayRoutes } from './gateway-routes.js';
export { createHttpServer, type HttpServerOptions } from './http-server.js';
export { registerWebhookRoutes, type WebhookRouteDeps } from './webhook-routes.js';
