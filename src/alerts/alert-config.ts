/**
 * @module From the `alerts` section (validated by `core/alerts-config-schema.ts`, which names the
 * path and what is allowed for every bad field) to running notifiers: secrets are read from the
 * environment where the config names a variable, and a webhook URL is checked here rather than
 * in the schema so that a bad one is reported without being echoed (it may hold a token).
 */
import { AgentvisorError, type AlertsConfig } from '../core/index.js';
import { EmailNotifier } from './email-notifier.js';
import type { Notifier } from './notifier.js';
import { WebhookNotifier } from './webhook-notifier.js';

/**
 * The configured notifiers. Throws CONFIG_INVALID naming `alerts.notifiers[i]` when a secret's
 * environment variable is unset or a URL is not http(s).
 *
 * @example
 * const notifiers = notifiersFromConfig(config.alerts, process.env);
 */
export function notifiersFromConfig(config: AlertsConfig, env: NodeJS.ProcessEnv): Notifier[] {
  return config.notifiers.map((n, i) => {
    const at = `alerts.notifiers.${i} (${n.name})`;
    const fromEnv = (name: string, field: string): string => {
      const value = env[name];
      if (value === undefined || value === '') {
        throw new AgentvisorError(
          'CONFIG_INVALID',
          `${at}.${field}: environment variable ${name} is not set`,
          { details: { path: `alerts.notifiers.${i}.${field}` } },
        );
      }
      return value;
    };
    if (n.type === 'webhook') {
      const url = n.url ?? fromEnv(n.url_env as string, 'url_env');
      let protocol: string | undefined;
      try {
        protocol = new URL(url).protocol;
      } catch {
        protocol = undefined;
      }
      if (protocol !== 'http:' && protocol !== 'https:') {
        throw new AgentvisorError(
          'CONFIG_INVALID',
          `${at}.url: expected an http:// or https:// URL (the value is not shown: it may hold a token)`,
          { details: { path: `alerts.notifiers.${i}.url` } },
        );
      }
      return new WebhookNotifier({
        name: n.name,
        url,
        format: n.format,
        headers: n.headers,
        timeoutMs: n.timeout,
        minSeverity: n.min_severity,
      });
    }
    const password =
      n.password_env !== undefined ? fromEnv(n.password_env, 'password_env') : n.password;
    return new EmailNotifier({
      name: n.name,
      host: n.host,
      port: n.port,
      secure: n.secure,
      ...(n.user === undefined ? {} : { user: n.user }),
      ...(password === undefined ? {} : { password }),
      from: n.from,
      to: n.to,
      timeoutMs: n.timeout,
      minSeverity: n.min_severity,
    });
  });
}
