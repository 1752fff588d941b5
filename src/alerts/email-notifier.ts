/**
 * @module The email notifier: one plain-text message per notification over SMTP, with
 * nodemailer. STARTTLS is used whenever the server offers it (`secure: true` for TLS from the
 * first byte, port 465). The password is held only by the transport; errors pass through the
 * queue's scrubber with it listed as a secret.
 */
import nodemailer, { type Transporter } from 'nodemailer';
import type { AlertSeverity } from '../core/index.js';
import type { AlertNotification } from './alert-view.js';
import { type Notifier, notificationLines, notificationTitle } from './notifier.js';

/** Options for {@link EmailNotifier}. */
export interface EmailNotifierOptions {
  readonly name: string;
  readonly host: string;
  readonly port: number;
  readonly secure?: boolean;
  readonly user?: string;
  readonly password?: string;
  readonly from: string;
  readonly to: readonly string[];
  readonly timeoutMs?: number;
  readonly minSeverity?: AlertSeverity;
}

/**
 * See the module comment.
 *
 * @example
 * const mail = new EmailNotifier({ name: 'oncall', host: 'smtp.example.org', port: 587,
 *   user: 'alerts', password: process.env.SMTP_PASSWORD, from: 'alerts@example.org', to: ['ops@example.org'] });
 */
export class EmailNotifier implements Notifier {
  readonly type = 'email';
  readonly name: string;
  readonly minSeverity: AlertSeverity;
  readonly target: string;
  readonly secrets: readonly string[];
  readonly #from: string;
  readonly #to: readonly string[];
  readonly #transport: Transporter;

  constructor(options: EmailNotifierOptions) {
    this.name = options.name;
    this.minSeverity = options.minSeverity ?? 'info';
    this.target = `smtp://${options.host}:${options.port}`;
    this.secrets = options.password === undefined ? [] : [options.password];
    this.#from = options.from;
    this.#to = options.to;
    const timeout = options.timeoutMs ?? 10_000;
    this.#transport = nodemailer.createTransport({
      host: options.host,
      port: options.port,
      secure: options.secure ?? false,
      ...(options.user === undefined
        ? {}
        : { auth: { user: options.user, pass: options.password ?? '' } }),
      connectionTimeout: timeout,
      greetingTimeout: timeout,
      socketTimeout: timeout,
      logger: false,
    });
  }

  async send(notification: AlertNotification, signal: AbortSignal): Promise<void> {
    signal.throwIfAborted();
    await this.#transport.sendMail({
      from: this.#from,
      to: [...this.#to],
      subject: notificationTitle(notification),
      text: `${notificationLines(notification).join('\n')}\n`,
      headers: { 'X-Agentvisor-Alert': notification.alert.fingerprint },
    });
  }

  async close(): Promise<void> {
    this.#transport.close();
  }
}
