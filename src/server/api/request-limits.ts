/**
 * @module Request limits of the API (seed 002 "Rate Limiting"): requests per minute by role (per
 * caller; anonymous ones per client address) and failed sign-ins per address per 15 minutes.
 * With Redis configured the counters are shared by every node on it; otherwise they are this
 * process's own. Answers RATE_LIMITED (HTTP 429) with when to retry.
 */
import type { Redis } from 'ioredis';
import {
  type RateLimiterAbstract,
  RateLimiterMemory,
  RateLimiterRedis,
  RateLimiterRes,
} from 'rate-limiter-flexible';
import type { Role } from '../../auth/index.js';
import { AgentvisorError, type RateLimitsConfig } from '../../core/index.js';
import type { ApiCaller } from './api-caller.js';

function limiter(
  points: number,
  duration: number,
  keyPrefix: string,
  redis: Redis | undefined,
): RateLimiterAbstract {
  return redis === undefined
    ? new RateLimiterMemory({ points, duration, keyPrefix })
    : new RateLimiterRedis({ storeClient: redis, points, duration, keyPrefix });
}

function refused(what: string, error: RateLimiterRes): AgentvisorError {
  const seconds = Math.max(1, Math.ceil(error.msBeforeNext / 1000));
  return new AgentvisorError('RATE_LIMITED', `${what}; try again in ${seconds} s`, {
    details: { retryAfterMs: error.msBeforeNext },
  });
}

/** The API's limits. */
export class RequestLimits {
  readonly #byRole: Record<Role | 'anonymous', RateLimiterAbstract>;
  readonly #perMinute: Record<Role | 'anonymous', number>;
  readonly #loginFailures: RateLimiterAbstract;
  readonly #maxFailures: number;

  constructor(config: RateLimitsConfig, redis?: Redis, keyPrefix = 'agentvisor:') {
    this.#perMinute = config.api;
    this.#byRole = {
      anonymous: limiter(config.api.anonymous, 60, `${keyPrefix}rl:api:anon`, redis),
      viewer: limiter(config.api.viewer, 60, `${keyPrefix}rl:api:viewer`, redis),
      operator: limiter(config.api.operator, 60, `${keyPrefix}rl:api:operator`, redis),
      admin: limiter(config.api.admin, 60, `${keyPrefix}rl:api:admin`, redis),
    };
    this.#maxFailures = config.login_failures;
    this.#loginFailures = limiter(config.login_failures, 15 * 60, `${keyPrefix}rl:login`, redis);
  }

  /** Counts one request; throws RATE_LIMITED past the caller's role's limit. */
  async request(caller: ApiCaller | undefined, ip: string): Promise<void> {
    const bucket = caller?.role ?? 'anonymous';
    const key = caller === undefined ? ip : `${caller.caller.kind}:${caller.caller.id}`;
    try {
      await this.#byRole[bucket].consume(key);
    } catch (error) {
      if (!(error instanceof RateLimiterRes)) throw error;
      throw refused(
        `more than ${this.#perMinute[bucket]} API requests per minute for ${caller === undefined ? `anonymous requests from ${ip}` : `the ${bucket} role`}`,
        error,
      );
    }
  }

  /** Before a sign-in: refuses an address that has failed too often lately. */
  async beforeLogin(ip: string): Promise<void> {
    const state = await this.#loginFailures.get(ip);
    if (state !== null && state.consumedPoints >= this.#maxFailures) {
      throw refused(`too many failed sign-ins from ${ip}`, state);
    }
  }

  /** After a failed sign-in. */
  async loginFailed(ip: string): Promise<void> {
    try {
      await this.#loginFailures.consume(ip);
    } catch (error) {
      if (!(error instanceof RateLimiterRes)) throw error;
    }
  }

  /** After a successful sign-in: the address's failures are forgiven. */
  async loginSucceeded(ip: string): Promise<void> {
    await this.#loginFailures.delete(ip);
  }
}
