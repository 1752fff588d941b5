/**
 * @module Authentication material shared by the server, the CLI and the kernel: API keys now;
 * users and sessions join here. Kept out of `server/` because the CLI and kernel operations
 * manage keys without an HTTP server.
 */
export { API_KEY_PREFIX, type ApiKeyRecord, ApiKeyStore } from './api-key-store.js';
export {
  checkPasswordStrength,
  DEFAULT_SCRYPT_COST,
  hashPassword,
  isPasswordHash,
  type ScryptCost,
  verifyPassword,
} from './password-hash.js';
export { parseRole, ROLES, type Role, roleAtLeast, roleCapabilities } from './roles.js';
export { type ActiveSession, SESSION_TOKEN_PREFIX, SessionStore } from './session-store.js';
export {
  type LockoutPolicy,
  normalizeEmail,
  type UserRecord,
  UserStore,
} from './user-store.js';
