/**
 * @module Authentication material shared by the server, the CLI and the kernel: API keys now;
 * users and sessions join here. Kept out of `server/` because the CLI and kernel operations
 * manage keys without an HTTP server.
 */
export { API_KEY_PREFIX, type ApiKeyRecord, ApiKeyStore } from './api-key-store.js';
