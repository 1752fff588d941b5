/**
 * @module Password hashing with scrypt (node:crypto, memory-hard, no native add-on). The stored
 * form carries its own parameters, `scrypt$N$r$p$salt$hash`, so the cost can rise later
 * without invalidating existing passwords.
 */
import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto';
import { AgentvisorError } from '../core/index.js';

/** scrypt cost parameters. */
export interface ScryptCost {
  /** CPU/memory cost, a power of two. */
  readonly N: number;
  readonly r: number;
  readonly p: number;
}

/** OWASP's scrypt recommendation (N=2^17 needs 128 MiB; 2^15 keeps logins near 50 ms on one core). */
export const DEFAULT_SCRYPT_COST: ScryptCost = { N: 2 ** 15, r: 8, p: 1 };

const KEY_LENGTH = 32;
const MIN_LENGTH = 10;
const MAX_LENGTH = 256;
const FORMAT = /^scrypt\$(\d+)\$(\d+)\$(\d+)\$([A-Za-z0-9+/=]+)\$([A-Za-z0-9+/=]+)$/;

function derive(password: string, salt: Buffer, cost: ScryptCost): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scrypt(
      password.normalize('NFKC'),
      salt,
      KEY_LENGTH,
      { N: cost.N, r: cost.r, p: cost.p, maxmem: 256 * cost.N * cost.r },
      (error, key) => (error === null ? resolve(key) : reject(error)),
    );
  });
}

/** Refuses passwords people should not use, saying what is allowed. */
export function checkPasswordStrength(password: unknown, where = 'password'): string {
  if (typeof password !== 'string') {
    throw new AgentvisorError('INPUT_INVALID', `${where}: expected a string`);
  }
  const length = [...password].length;
  if (length < MIN_LENGTH || length > MAX_LENGTH) {
    throw new AgentvisorError(
      'INPUT_INVALID',
      `${where}: expected ${MIN_LENGTH} to ${MAX_LENGTH} characters, got ${length}`,
    );
  }
  return password;
}

/** Hashes a password for storage. */
export async function hashPassword(
  password: string,
  cost: ScryptCost = DEFAULT_SCRYPT_COST,
): Promise<string> {
  const salt = randomBytes(16);
  const key = await derive(password, salt, cost);
  return `scrypt$${cost.N}$${cost.r}$${cost.p}$${salt.toString('base64')}$${key.toString('base64')}`;
}

/** True when `stored` has the shape {@link hashPassword} writes. */
export function isPasswordHash(stored: unknown): stored is string {
  return typeof stored === 'string' && FORMAT.test(stored);
}

/** Checks a password against a stored hash in constant time. A malformed hash never matches. */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const m = FORMAT.exec(stored);
  if (m === null) return false;
  const cost = { N: Number(m[1]), r: Number(m[2]), p: Number(m[3]) };
  const expected = Buffer.from(m[5]!, 'base64');
  const key = await derive(password, Buffer.from(m[4]!, 'base64'), cost);
  return key.length === expected.length && timingSafeEqual(key, expected);
}
