/**
 * @module The generic webhook notifier: POSTs each notification as JSON. `format: json` sends
 * Alertmanager's webhook payload (version 4), so receivers written for Alertmanager work as
 * they are; `format: slack` sends an incoming-webhook message `{ text, blocks }`. A 2xx answer
 * is delivery; anything else, a timeout or a connection error is a failed attempt whose error
 * names the HTTP status but never the URL (it holds the token).
 */
import type { AlertSeverity } from '../core/index.js';
import { formatValue } from './alert-rule.js';
import type { AlertNotification } from './alert-view.js';
import { type Notifier, notificationTitle } from './notifier.js';
import { displayUrl, urlSecrets } from './secret-redaction.js';

/** Options for {@link WebhookNotifier}. */
export interface WebhookNotifierOptions {
  readonly name: string;
  readonly url: string;
  readonly format?: 'json' | 'slack';
  readonly headers?: Readonly<Record<string, string>>;
  readonly timeoutMs?: number;
  readonly minSeverity?: AlertSeverity;
}

/** Alertmanager's label for the rule name. */
const ALERTNAME = 'alertname';

/** Alertmanager's webhook body (version 4) for one notification. */
export function alertmanagerPayload(n: AlertNotification, receiver: string) {
  const a = n.alert;
  const labels = { [ALERTNAME]: a.rule, severity: a.severity, ...a.labels };
  const annotations = {
    summary: a.summary,
    ...(a.value === null ? {} : { value: formatValue(a.value) }),
    ...a.annotations,
  };
  return {
    version: '4',
    groupKey: a.fingerprint,
    truncatedAlerts: 0,
    status: n.status,
    receiver,
    groupLabels: { [ALERTNAME]: a.rule },
    commonLabels: labels,
    commonAnnotations: annotations,
    externalURL: '',
    repeat: n.repeat,
    alerts: [
      {
        status: n.status,
        labels,
        annotations,
        startsAt: a.firedAt ?? a.startedAt,
        endsAt: a.resolvedAt ?? '0001-01-01T00:00:00Z',
        generatorURL: '',
        fingerprint: a.fingerprint,
      },
    ],
  };
}

/** A Slack incoming-webhook message for one notification. */
export function slackPayload(n: AlertNotification) {
  const a = n.alert;
  const title = notificationTitle(n);
  const facts = [
    ...Object.entries(a.labels).map(([k, v]) => `${k}=${v}`),
    ...(a.value === null ? [] : [`value=${formatValue(a.value)}`]),
    `since ${a.firedAt ?? a.startedAt}`,
    ...(n.status === 'resolved' && a.resolvedAt !== null ? [`resolved ${a.resolvedAt}`] : []),
    ...(n.repeat ? ['still firing'] : []),
  ];
  const icon =
    n.status === 'resolved'
      ? ':white_check_mark:'
      : a.severity === 'critical'
        ? ':rotating_light:'
        : ':warning:';
  return {
    text: `${title}: ${a.summary}`,
    blocks: [
      { type: 'section', text: { type: 'mrkdwn', text: `${icon} *${title}*\n${a.summary}` } },
      { type: 'context', elements: [{ type: 'mrkdwn', text: facts.join(' · ') }] },
    ],
  };
}

/**
 * See the module comment.
 *
 * @example
 * const hook = new WebhookNotifier({ name: 'ops', url: process.env.SLACK_URL!, format: 'slack' });
 * await hook.send(notification, AbortSignal.timeout(10_000));
 */
export class WebhookNotifier implements Notifier {
  readonly type = 'webhook';
  readonly name: string;
  readonly minSeverity: AlertSeverity;
  readonly target: string;
  readonly secrets: readonly string[];
  readonly #url: string;
  readonly #format: 'json' | 'slack';
  readonly #headers: Readonly<Record<string, string>>;
  readonly #timeoutMs: number;

  constructor(options: WebhookNotifierOptions) {
    this.name = options.name;
    this.#url = options.url;
    this.#format = options.format ?? 'json';
    this.#headers = options.headers ?? {};
    this.#timeoutMs = options.timeoutMs ?? 10_000;
    this.minSeverity = options.minSeverity ?? 'info';
    this.target = displayUrl(options.url);
    this.secrets = [...urlSecrets(options.url), ...Object.values(this.#headers)];
  }

  async send(notification: AlertNotification, signal: AbortSignal): Promise<void> {
    const body =
      this.#format === 'slack'
        ? slackPayload(notification)
        : alertmanagerPayload(notification, this.name);
    let response: Response;
    try {
      response = await fetch(this.#url, {
        method: 'POST',
        headers: { ...this.#headers, 'content-type': 'application/json' },
        body: JSON.stringify(body),
        signal: AbortSignal.any([signal, AbortSignal.timeout(this.#timeoutMs)]),
        redirect: 'error',
      });
    } catch (error) {
      const e = error as Error & { cause?: { code?: string; message?: string } };
      const why =
        e.name === 'TimeoutError'
          ? `no answer within ${this.#timeoutMs} ms`
          : (e.cause?.code ?? e.cause?.message ?? e.message);
      throw new Error(`webhook ${this.name} (${this.target}): ${why}`);
    }
    // Drain the body so the connection can be reused; its text is not trusted into messages.
    await response.arrayBuffer().catch(() => undefined);
    if (!response.ok) {
      throw new Error(`webhook ${this.name} (${this.target}) answered HTTP ${response.status}`);
    }
  }
}
