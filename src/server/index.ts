/** @module The HTTP server: health now; API, WebSocket and dashboard in later issues. */
export { createHttpServer, type HttpServerOptions } from './http-server.js';
