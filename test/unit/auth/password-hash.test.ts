import { describe, expect, it } from 'vitest';
import {
  checkPasswordStrength,
  hashPassword,
  isPasswordHash,
  parseRole,
  roleAtLeast,
  roleCapabilities,
  verifyPassword,
} from '../../../src/auth/index.js';

const cheap = { N: 1024, r: 8, p: 1 };

describe('password hashing', () => {
  it('verifies the right password and refuses others', async () => {
    const stored = await hashPassword('correct horse battery', cheap);
    expect(isPasswordHash(stored)).toBe(true);
    expect(stored).not.toContain('correct horse');
    expect(await verifyPassword('correct horse battery', stored)).toBe(true);
    expect(await verifyPassword('correct horse batterY', stored)).toBe(false);
    expect(await verifyPassword('', stored)).toBe(false);
  });

  it('salts every hash and keeps verifying hashes made at another cost', async () => {
    const a = await hashPassword('same password here', cheap);
    const b = await hashPassword('same password here', { N: 2048, r: 8, p: 1 });
    expect(a).not.toBe(b);
    expect(await verifyPassword('same password here', b)).toBe(true);
  });

  it('never matches a malformed stored hash', async () => {
    expect(await verifyPassword('x', 'plain-text')).toBe(false);
    expect(await verifyPassword('x', 'scrypt$1024$8$1$AAAA$')).toBe(false);
  });

  it('says what a weak password lacks', () => {
    expect(() => checkPasswordStrength('short')).toThrow(/10 to 256 characters, got 5/);
    expect(() => checkPasswordStrength(42)).toThrow(/expected a string/);
    expect(checkPasswordStrength('long enough now')).toBe('long enough now');
  });
});

describe('roles', () => {
  it('orders viewer < operator < admin and grants capabilities accordingly', () => {
    expect(roleAtLeast('admin', 'operator')).toBe(true);
    expect(roleAtLeast('viewer', 'operator')).toBe(false);
    expect(roleCapabilities('viewer').has('task.submit')).toBe(false);
    expect(roleCapabilities('operator').has('task.submit')).toBe(true);
    expect(roleCapabilities('operator').has('admin')).toBe(false);
    expect(roleCapabilities('admin').has('admin')).toBe(true);
    for (const c of roleCapabilities('viewer'))
      expect(roleCapabilities('operator').has(c)).toBe(true);
  });

  it('refuses an unknown role naming the allowed ones', () => {
    expect(() => parseRole('root', '--role')).toThrow(
      /--role: expected one of viewer, operator, admin, got "root"/,
    );
  });
});
