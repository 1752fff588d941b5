import { describe, expect, it } from 'vitest';
import { allowedExecutable } from '../../../../src/daemon/tools/command-allowlist.js';
import { hostAllowed } from '../../../../src/daemon/tools/index.js';

describe('hostAllowed', () => {
  const allowed = (url: string, list: string[]) => hostAllowed(new URL(url), list);

  it('matches a bare host on any port, case-insensitively', () => {
    expect(allowed('https://API.example.com/x', ['api.example.com'])).toBe(true);
    expect(allowed('http://api.example.com:8443/x', ['api.example.com'])).toBe(true);
    expect(allowed('https://example.com/', ['api.example.com'])).toBe(false);
    expect(allowed('https://api.example.com.evil.net/', ['api.example.com'])).toBe(false);
  });

  it('checks the port when the entry names one, with default ports filled in', () => {
    expect(allowed('http://localhost:8080/', ['localhost:8080'])).toBe(true);
    expect(allowed('http://localhost:8081/', ['localhost:8080'])).toBe(false);
    expect(allowed('https://h.test/', ['h.test:443'])).toBe(true);
    expect(allowed('http://h.test/', ['h.test:443'])).toBe(false);
  });

  it('matches wildcard subdomains but not the apex or look-alikes', () => {
    expect(allowed('https://a.b.example.com/', ['*.example.com'])).toBe(true);
    expect(allowed('https://example.com/', ['*.example.com'])).toBe(false);
    expect(allowed('https://badexample.com/', ['*.example.com'])).toBe(false);
  });

  it('handles IPv6 literals', () => {
    expect(allowed('http://[::1]:9000/', ['[::1]:9000'])).toBe(true);
    expect(allowed('http://[::1]:9001/', ['[::1]:9000'])).toBe(false);
  });
});

describe('allowedExecutable', () => {
  const list = ['echo', '/usr/bin/git'];

  it('allows basenames and exact paths', () => {
    expect(allowedExecutable('echo', list)).toBe('echo');
    expect(allowedExecutable('/usr/bin/git', list)).toBe('/usr/bin/git');
    expect(allowedExecutable('git', list)).toBe('/usr/bin/git');
  });

  it('refuses other commands and paths that only share a basename', () => {
    for (const command of ['rm', '/tmp/evil/echo', './echo', '/usr/local/bin/git', 'bin/git']) {
      expect(() => allowedExecutable(command, list)).toThrow(
        expect.objectContaining({
          code: 'POLICY_DENIED',
          message: expect.stringContaining('not on the allowlist'),
        }),
      );
    }
  });
});
