/**
 * Alerts end to end in a real node (SQLite, the HTTP server): a rule goes pending, fires and
 * resolves, and both the firing and the resolution reach a local webhook receiver (Alertmanager
 * JSON and a Slack-compatible body) and a local SMTP sink, with every attempt in the ledger and
 * no notifier secret in the ledger or the logs. The alerts are in `GET /api/v1/alerts` and in
 * `agentvisor alerts [--json]`. A failing webhook is retried and recorded while evaluation goes
 * on, and a receiver that never answers does not hold evaluation up. Budget critical and ledger
 * verification failures raise and clear their alerts.
 */
import { createServer, type Server } from 'node:net';
import path from 'node:path';
import { Writable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AlertEvent, AlertView } from '../../../src/alerts/index.js';
import { runCli } from '../../../src/cli/program.js';
import { configSchema, ManualClock } from '../../../src/core/index.js';
import { listEntries } from '../../../src/ledger/index.js';
import { createHttpServer } from '../../../src/server/index.js';
import {
  AgentSupervision,
  type AgentvisorSystem,
  type AlertSystem,
  createLogger,
  newOperatorToken,
  openAlertSystem,
  openSystem,
  writeNodeEndpoint,
} from '../../../src/system/index.js';
import { tempDir } from '../../support/services.js';
import { type SmtpSink, startSmtpSink } from '../../support/smtp-sink.js';
import { startWebhookReceiver, type WebhookReceiver } from '../../support/webhook-receiver.js';

const T0 = 1_800_000_000_000;
const HOOK_TOKEN = 'hookT0kenS3cretValue9';
const SLACK_TOKEN = 'slackT0kenS3cretValue7';
const SMTP_PASSWORD = 'smtpPassw0rdS3cret';

interface Node {
  system: AgentvisorSystem;
  alerts: AlertSystem;
  clock: ManualClock;
  logs: string[];
  dataDir: string;
  close(): Promise<void>;
}

/** Opens a node whose disk signal the test sets, with the given notifiers and rules. */
async function openNode(
  alertsConfig: Record<string, unknown>,
  env: NodeJS.ProcessEnv,
  signals: { free: () => number },
): Promise<Node> {
  const tmp = tempDir('agentvisor-alerts-e2e-');
  const logs: string[] = [];
  const logger = createLogger({
    level: 'info',
    format: 'json',
    stream: new Writable({
      write(chunk, _enc, done) {
        logs.push(String(chunk));
        done();
      },
    }),
  });
  const dataDir = path.join(tmp.dir, '.agentvisor');
  const system = await openSystem({
    config: configSchema.parse({ alerts: alertsConfig }),
    dataDir,
    logger,
    configDir: tmp.dir,
    env: { ...env, AGENTVISOR_REDIS_URL: '' },
  });
  const clock = new ManualClock(T0);
  const alerts = openAlertSystem({
    system,
    logger,
    clock,
    env,
    signals: { disk_free_ratio: () => signals.free() },
  });
  return {
    system,
    alerts,
    clock,
    logs,
    dataDir,
    async close() {
      await alerts.stop();
      await system.close();
      tmp.remove();
    },
  };
}

const FAST_DELIVERY = { max_attempts: 3, initial_backoff: '10ms', max_backoff: '50ms' };

/** The text of a quoted-printable body (RFC 2045 §6.7), enough for assertions. */
function quotedPrintable(text: string): string {
  return text
    .replace(/=\r\n/g, '')
    .replace(/=([0-9A-F]{2})/g, (_m, hex: string) => String.fromCharCode(Number.parseInt(hex, 16)));
}

async function ledgerText(system: AgentvisorSystem): Promise<{ types: string[]; text: string }> {
  const entries = await listEntries(system.store, { fromSeq: 1, limit: 10_000 });
  return { types: entries.map((e) => e.type), text: JSON.stringify(entries) };
}

describe('an alert fires and resolves into a webhook and an SMTP sink', () => {
  let receiver: WebhookReceiver;
  let sink: SmtpSink;
  let node: Node;
  let free = 0.9;
  let app: FastifyInstance;
  let operatorToken: string;
  let url: string;
  const events: AlertEvent[] = [];

  beforeAll(async () => {
    receiver = await startWebhookReceiver();
    sink = await startSmtpSink();
    const env = {
      SLACK_URL: `${receiver.url}/slack/services/T01/B02/${SLACK_TOKEN}`,
      SMTP_PW: SMTP_PASSWORD,
    };
    node = await openNode(
      {
        delivery: FAST_DELIVERY,
        rules: { disk_space_low: { for: '1m', labels: { team: 'ops' } } },
        notifiers: [
          { type: 'webhook', name: 'am', url: `${receiver.url}/hook?token=${HOOK_TOKEN}` },
          { type: 'webhook', name: 'slack', url_env: 'SLACK_URL', format: 'slack' },
          {
            type: 'email',
            name: 'mail',
            host: sink.host,
            port: sink.port,
            user: 'alerts',
            password_env: 'SMTP_PW',
            from: 'agentvisor@example.test',
            to: ['ops@example.test'],
          },
        ],
      },
      env,
      { free: () => free },
    );
    node.alerts.onAlert((e) => events.push(e));
    operatorToken = newOperatorToken();
    app = await createHttpServer({
      system: node.system,
      logger: createLogger({ level: 'silent', format: 'json' }),
      supervision: {
        supervision: new AgentSupervision(
          node.system,
          createLogger({ level: 'silent', format: 'json' }),
        ),
        operatorToken,
      },
    });
    await app.listen({ host: '127.0.0.1', port: 0 });
    const address = app.server.address();
    url = `http://127.0.0.1:${typeof address === 'object' && address !== null ? address.port : 0}`;
  });
  afterAll(async () => {
    await app?.close();
    await node?.close();
    await receiver?.close();
    await sink?.close();
  });

  it('notifies nothing while pending, then the firing to every notifier', async () => {
    free = 0.05;
    await node.alerts.evaluate();
    await node.alerts.queue.idle();
    expect(receiver.requests).toHaveLength(0);
    node.clock.advance(60_000);
    const report = await node.alerts.evaluate();
    expect(report).toMatchObject({ firing: 1, notified: 1 });
    await node.alerts.queue.idle();
    const requests = await receiver.waitFor(2);
    const am = requests.find((r) => r.path.startsWith('/hook'))!;
    const slack = requests.find((r) => r.path.startsWith('/slack'))!;
    expect(am.body).toMatchObject({
      version: '4',
      status: 'firing',
      receiver: 'am',
      alerts: [
        {
          status: 'firing',
          labels: { alertname: 'disk_space_low', severity: 'critical', team: 'ops' },
          annotations: {
            summary: 'Free disk space of the data directory is below 0.15',
            value: '0.05',
          },
        },
      ],
    });
    expect(slack.body).toMatchObject({
      text: '[FIRING:critical] disk_space_low team=ops: Free disk space of the data directory is below 0.15',
      blocks: [{ type: 'section' }, { type: 'context' }],
    });
    const [mail] = await sink.waitFor(1);
    expect(mail!.to).toEqual(['ops@example.test']);
    expect(mail!.auth).toEqual({ user: 'alerts', password: SMTP_PASSWORD });
    expect(mail!.data).toMatch(/^Subject: \[FIRING:critical\] disk_space_low team=ops$/m);
    expect(quotedPrintable(mail!.data)).toContain(
      'Free disk space of the data directory is below 0.15',
    );
    expect(events.map((e) => e.transition)).toEqual(['pending', 'firing']);
  });

  it('lists the alert in the API and the CLI', async () => {
    const response = await fetch(`${url}/api/v1/alerts?state=firing`, {
      headers: { authorization: `Bearer ${operatorToken}` },
    });
    expect(response.status).toBe(200);
    const body = (await response.json()) as { alerts: AlertView[] };
    expect(body.alerts.map((a) => [a.rule, a.state, a.labels])).toEqual([
      ['disk_space_low', 'firing', { team: 'ops' }],
    ]);
    writeNodeEndpoint(node.dataDir, {
      url,
      pid: process.pid,
      token: operatorToken,
      startedAt: new Date().toISOString(),
    });
    const out: string[] = [];
    const io = { out: (s: string) => out.push(s), err: (s: string) => out.push(s), isTTY: false };
    expect(
      await runCli(['node', 'agentvisor', '--data-dir', node.dataDir, 'alerts', '--json'], io),
    ).toBe(0);
    const json = JSON.parse(out.join('')) as { alerts: AlertView[] };
    expect(json.alerts[0]).toMatchObject({ rule: 'disk_space_low', state: 'firing' });
    out.length = 0;
    expect(await runCli(['node', 'agentvisor', '--data-dir', node.dataDir, 'alerts'], io)).toBe(0);
    expect(out.join('\n')).toMatch(/firing\tcritical\tdisk_space_low\tteam=ops\t0\.05/);
    // Silenced and unsilenced from the CLI (by an id prefix) and the API.
    const id = json.alerts[0]!.fingerprint;
    out.length = 0;
    const silence = [
      'alerts',
      'silence',
      id.slice(0, 8),
      '--minutes',
      '15',
      '--reason',
      'disk work',
    ];
    expect(await runCli(['node', 'agentvisor', '--data-dir', node.dataDir, ...silence], io)).toBe(
      0,
    );
    expect(out.join('')).toContain(`alert ${id.slice(0, 12)} (disk_space_low) silenced until`);
    const lifted = await fetch(`${url}/api/v1/alerts/${id}/silence`, {
      method: 'POST',
      headers: { authorization: `Bearer ${operatorToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ minutes: 0, reason: 'done' }),
    });
    expect(lifted.status).toBe(200);
    expect(((await lifted.json()) as AlertView).silencedUntil).toBeNull();
  });

  it('notifies the resolution once to every notifier', async () => {
    free = 0.5;
    node.clock.advance(60_000);
    await node.alerts.evaluate();
    node.clock.advance(60_000);
    await node.alerts.evaluate();
    await node.alerts.queue.idle();
    const requests = await receiver.waitFor(4);
    expect(requests).toHaveLength(4);
    expect(
      requests
        .slice(2)
        .map(
          (r) =>
            (r.body as { status?: string; text?: string }).status ??
            (r.body as { text: string }).text.slice(0, 10),
        )
        .sort(),
    ).toEqual(['[RESOLVED:', 'resolved']);
    const mails = await sink.waitFor(2);
    expect(mails).toHaveLength(2);
    expect(mails[1]!.data).toMatch(/^Subject: \[RESOLVED:critical\] disk_space_low team=ops$/m);
    expect((await node.alerts.list())[0]).toMatchObject({ state: 'resolved', notifications: 2 });
  });

  it('recorded every step in the ledger, and no secret anywhere', async () => {
    const { types, text } = await ledgerText(node.system);
    expect(types.filter((t) => t === 'alert.fired')).toHaveLength(1);
    expect(types.filter((t) => t === 'alert.resolved')).toHaveLength(1);
    expect(types.filter((t) => t === 'alert.notify')).toHaveLength(6);
    const entries = await listEntries(node.system.store, { fromSeq: 1, limit: 10_000 });
    const outcomes = entries
      .filter((e) => e.type === 'alert.notify')
      .map((e) => JSON.parse(e.payload) as { notifier: string; outcome: string })
      .map((o) => `${o.notifier}:${o.outcome}`);
    expect(outcomes.sort()).toEqual([
      'am:delivered',
      'am:delivered',
      'mail:delivered',
      'mail:delivered',
      'slack:delivered',
      'slack:delivered',
    ]);
    const everything = text + node.logs.join('');
    for (const secret of [HOOK_TOKEN, SLACK_TOKEN, SMTP_PASSWORD]) {
      expect(everything).not.toContain(secret);
    }
  });
});

describe('failing and hanging receivers', () => {
  let receiver: WebhookReceiver;
  let hanging: Server;
  let hangingPort = 0;
  let node: Node;
  let free = 0.05;

  beforeAll(async () => {
    receiver = await startWebhookReceiver();
    // Two failures, then success.
    receiver.respond = (i) => (i < 2 ? 503 : 200);
    // Accepts connections and never answers.
    hanging = createServer(() => {});
    await new Promise<void>((resolve) => hanging.listen(0, '127.0.0.1', resolve));
    hangingPort = (hanging.address() as { port: number }).port;
    node = await openNode(
      {
        delivery: FAST_DELIVERY,
        rules: { disk_space_low: { for: 0 } },
        notifiers: [
          { type: 'webhook', name: 'flaky', url: `${receiver.url}/flaky/${HOOK_TOKEN}` },
          { type: 'webhook', name: 'dead', url: `http://127.0.0.1:9/dead/${HOOK_TOKEN}` },
          {
            type: 'webhook',
            name: 'hanging',
            url: `http://127.0.0.1:${hangingPort}/hang/${HOOK_TOKEN}`,
            timeout: '30s',
          },
        ],
      },
      {},
      { free: () => free },
    );
  });
  afterAll(async () => {
    await node?.close();
    await receiver?.close();
    hanging?.close();
  });

  it('retries, records each attempt, gives up on a dead one, and never holds evaluation up', async () => {
    const started = performance.now();
    await node.alerts.evaluate();
    // A receiver that never answers (30 s timeout) is being waited on: evaluation went on.
    free = 0.9;
    node.clock.advance(60_000);
    await node.alerts.evaluate();
    expect(performance.now() - started).toBeLessThan(5000);
    await receiver.waitFor(4);
    // The flaky receiver: two refusals, then the firing; then the resolution at once.
    expect(
      receiver.requests.map((r) => `${r.status}:${(r.body as { status: string }).status}`),
    ).toEqual(['503:firing', '503:firing', '200:firing', '200:resolved']);
    // Let the dead notifier exhaust its attempts (fast backoff), then stop: the hanging one is abandoned.
    for (let i = 0; i < 200; i++) {
      const stats = node.alerts.queue.stats();
      if (stats.gaveUp >= 2 && stats.delivered >= 2) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    await node.alerts.stop();
    const entries = await listEntries(node.system.store, { fromSeq: 1, limit: 10_000 });
    const outcomes = entries
      .filter((e) => e.type === 'alert.notify')
      .map(
        (e) =>
          JSON.parse(e.payload) as {
            notifier: string;
            status: string;
            attempt: number;
            outcome: string;
            error?: string;
          },
      );
    expect(
      outcomes
        .filter((o) => o.notifier === 'flaky')
        .map((o) => `${o.status}:${o.attempt}:${o.outcome}`),
    ).toEqual(['firing:1:failed', 'firing:2:failed', 'firing:3:delivered', 'resolved:1:delivered']);
    expect(outcomes.filter((o) => o.notifier === 'dead' && o.outcome === 'gave_up')).toHaveLength(
      2,
    );
    expect(outcomes.find((o) => o.notifier === 'flaky')!.error).toBe(
      `webhook flaky (${receiver.url}) answered HTTP 503`,
    );
    expect(outcomes.some((o) => o.notifier === 'hanging' && o.outcome === 'abandoned')).toBe(true);
    expect(JSON.stringify(entries) + node.logs.join('')).not.toContain(HOOK_TOKEN);
  });
});

describe('event alerts in a node', () => {
  let node: Node;
  let receiver: WebhookReceiver;

  beforeAll(async () => {
    receiver = await startWebhookReceiver();
    node = await openNode(
      {
        delivery: FAST_DELIVERY,
        notifiers: [{ type: 'webhook', name: 'am', url: `${receiver.url}/am` }],
      },
      {},
      { free: () => 0.9 },
    );
  });
  afterAll(async () => {
    await node?.close();
    await receiver?.close();
  });

  it('raises and resolves ledger verification failures, with the first bad entry', async () => {
    await node.alerts.ledgerVerificationFailed(1234, 'entry_hash mismatch');
    await node.alerts.ledgerVerificationFailed(1234, 'entry_hash mismatch');
    expect(node.alerts.metricSources.ledgerVerificationFailed()).toBe(1234);
    await node.alerts.ledgerVerificationPassed();
    await node.alerts.queue.idle();
    const requests = await receiver.waitFor(2);
    expect(requests.map((r) => (r.body as { status: string }).status)).toEqual([
      'firing',
      'resolved',
    ]);
    expect(requests[0]!.body).toMatchObject({
      alerts: [
        {
          labels: { alertname: 'ledger_verification_failed', severity: 'critical' },
          annotations: {
            summary: 'Ledger verification failed at entry 1234',
            first_bad_seq: '1234',
            detail: 'entry_hash mismatch',
          },
        },
      ],
    });
    expect(node.alerts.metricSources.ledgerVerificationFailed()).toBe(0);
  });

  it('answers alerts.list and alerts.silence through the kernel, the silence recorded with its reason', async () => {
    const caller = { kind: 'system' as const, id: 'system' };
    const { result } = await node.system.kernel.call<{ alerts: AlertView[] }>(
      caller,
      'alerts.list',
      {
        rule: 'ledger_verification_failed',
      },
    );
    expect(result.alerts.map((a) => [a.rule, a.state])).toEqual([
      ['ledger_verification_failed', 'resolved'],
    ]);
    const silenced = await node.system.kernel.call<AlertView>(caller, 'alerts.silence', {
      fingerprint: result.alerts[0]!.fingerprint,
      minutes: 30,
      reason: 'verifier maintenance window',
    });
    expect(silenced.result.silencedUntil).toBe(
      new Date(node.clock.now() + 30 * 60_000).toISOString(),
    );
    await expect(
      node.system.kernel.call(caller, 'alerts.silence', {
        fingerprint: result.alerts[0]!.fingerprint,
        minutes: 30,
        reason: ' ',
      }),
    ).rejects.toMatchObject({ code: 'INPUT_INVALID' });
    const { text } = await ledgerText(node.system);
    expect(text).toContain('verifier maintenance window');
  });
});
