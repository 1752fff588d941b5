/**
 * The dashboard end to end, in Debian's Chromium driven by Playwright against one real node
 * (`agentvisor start` as a child process) whose model is the stub provider behind a gated proxy,
 * so the test decides when a waiting agent's model call goes through. In order, on one page: sign
 * in (and a wrong password refused); a chat message the team answers, streamed in live; an
 * escalation approved in Approvals, after which the agent uses the capability it was granted and
 * finishes its task; ledger verification passing, then failing at exactly the entry altered
 * behind the node's back in its SQLite file; and every page rendered without errors, at 1280 px
 * and at 390 px. Each step saves a full-page screenshot in `test-artifacts/screenshots/`.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type GatedProxy, startGatedProxy } from '../support/gated-proxy.js';
import { tempDir } from '../support/services.js';
import {
  type StubProvider,
  type StubResponse,
  startStubProvider,
} from '../support/stub-provider.js';
import { chromiumAvailable, collectPageErrors, launchChromium, saveScreenshot } from './browser.js';
import { bin } from './cli-harness.js';

const hasChromium = chromiumAvailable();

const ADMIN_EMAIL = 'admin@example.com';
const ADMIN_PASSWORD = 'correct horse battery staple';
const ORCH = 'You are the orchestrator';
const PLAN = {
  pattern: 'sequential',
  subtasks: [
    { title: 'Write the parser', role: 'code', criteria: ['parses dates'] },
    { title: 'Test the parser', role: 'qa', criteria: ['tests pass'] },
  ],
};
const REPORT = '# Weekly status\n\nAll systems nominal.\n';
const FAST_HEARTBEAT = { base_ms: 50, max_ms: 200 };
/** Generous, for a loaded machine; nothing here asserts how long anything took. */
const WAIT = { timeout: 30_000 };

const text = (t: string): StubResponse => ({ kind: 'text', text: t });
const toolCall = (id: string, name: string, args: unknown): StubResponse => ({
  kind: 'tool_calls',
  calls: [{ id, name, arguments: JSON.stringify(args) }],
});

/** A node started with `agentvisor start --data-dir D --config C --port P`. */
interface RunningNode {
  readonly child: ChildProcess;
  readonly url: string;
  /** The tail of what the node wrote, for failure messages. */
  output(): string;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      probe.close(() => resolve(port));
    });
  });
}

async function startNodeAt(cwd: string, args: string[], port: number): Promise<RunningNode> {
  const child = spawn(process.execPath, [bin, 'start', ...args, '--port', String(port)], {
    cwd,
    env: { ...process.env, AGENTVISOR_DATA_DIR: '' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const keep = (d: Buffer) => {
    output = (output + d.toString()).slice(-20_000);
  };
  // Both pipes are drained: a full stdout pipe would stall the node.
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const url = `http://127.0.0.1:${port}`;
  await new Promise<void>((resolve, reject) => {
    const timer = setInterval(() => {
      if (output.includes(`listening on ${url}`)) {
        clearInterval(timer);
        child.removeListener('exit', early);
        resolve();
      }
    }, 50);
    const early = (code: number | null) => {
      clearInterval(timer);
      reject(new Error(`the node exited early with ${code}:\n${output}`));
    };
    child.once('exit', early);
  });
  return { child, url, output: () => output };
}

async function stopNode(node: RunningNode): Promise<void> {
  if (node.child.exitCode !== null || node.child.signalCode !== null) return;
  const exited = new Promise((resolve) => node.child.once('exit', resolve));
  node.child.kill('SIGTERM');
  const timer = setTimeout(() => node.child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}

/** Waits until the page's `h1` says `title` and nothing on it is still loading. */
async function settled(page: Page, title: string): Promise<void> {
  await page.getByRole('heading', { level: 1, name: title, exact: true }).waitFor(WAIT);
  await expect.poll(() => page.getByTestId('loading').count(), WAIT).toBe(0);
}

describe.skipIf(!hasChromium)('the dashboard in Chromium against a running node', () => {
  let tmp: ReturnType<typeof tempDir>;
  let stub: StubProvider;
  let proxy: GatedProxy;
  let node: RunningNode;
  let browser: Browser;
  let page: Page;
  let pageErrors: string[];
  let dataDir: string;
  let outDir: string;

  beforeAll(async () => {
    tmp = tempDir('agentvisor-dashboard-');
    stub = await startStubProvider();
    proxy = await startGatedProxy(stub.url);
    dataDir = path.join(tmp.dir, 'data');
    outDir = path.join(tmp.dir, 'out');
    mkdirSync(outDir);
    const configFile = path.join(tmp.dir, 'agentvisor.yaml');
    writeFileSync(
      configFile,
      JSON.stringify({
        gateway: {
          providers: [{ name: 'stub', kind: 'openai', base_url: `${proxy.url}/v1` }],
          models: { smart: { chain: [{ provider: 'stub', model: 'gpt-4o-mini' }] } },
          retry: { max_attempts: 1, initial_delay_ms: 1, max_delay_ms: 5 },
        },
        team: { model: 'smart', poll_ms: 50 },
        agents: [
          { name: 'coder', role: 'code', model: 'smart', heartbeat: FAST_HEARTBEAT },
          { name: 'tester', role: 'qa', model: 'smart', heartbeat: FAST_HEARTBEAT },
          {
            name: 'scout',
            model: 'smart',
            description: 'Writes status reports.',
            tools: ['fs.write', 'permission.request'],
            scopes: { fs: { write: ['./out'] } },
            permission_level: 1,
            heartbeat: FAST_HEARTBEAT,
          },
        ],
      }),
    );
    const common = ['--data-dir', dataDir, '--config', configFile];
    const created = spawnSync(
      process.execPath,
      [bin, 'user', 'create', '--email', ADMIN_EMAIL, '--admin', '--password-stdin', ...common],
      {
        cwd: tmp.dir,
        input: `${ADMIN_PASSWORD}\n`,
        encoding: 'utf8',
        env: { ...process.env, AGENTVISOR_DATA_DIR: '' },
      },
    );
    expect(created.status, created.stderr).toBe(0);
    node = await startNodeAt(tmp.dir, common, await freePort());
    browser = await launchChromium();
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    page = await context.newPage();
    page.setDefaultTimeout(20_000);
    pageErrors = collectPageErrors(page);
  });

  afterEach(async (context) => {
    if (context.task.result?.state !== 'fail' || page === undefined) return;
    await saveScreenshot(page, `failed-${context.task.name.replace(/\W+/g, '-')}`).catch(() => {});
    if (node !== undefined) console.error(`the node's last output:\n${node.output().slice(-4000)}`);
  });

  afterAll(async () => {
    await browser?.close();
    if (node !== undefined) await stopNode(node);
    await proxy?.close();
    await stub?.close();
    tmp?.remove();
  });

  it('signs in through the login form, refusing a wrong password first', async () => {
    await page.goto(node.url);
    await page.waitForURL(`${node.url}/login`);
    await page.getByTestId('login-email').fill(ADMIN_EMAIL);
    await page.getByTestId('login-password').fill('not the password');
    await page.getByTestId('login-submit').click();
    const refused = page.getByTestId('login-error');
    await refused.waitFor();
    expect(await refused.textContent()).toContain('wrong email or password');
    await saveScreenshot(page, 'login-refused');

    await page.getByTestId('login-password').fill(ADMIN_PASSWORD);
    await page.getByTestId('login-submit').click();
    await page.waitForURL(`${node.url}/`);
    await settled(page, 'Overview');
    await page.locator('[data-testid=stream-status][data-status=live]').waitFor(WAIT);
    const rows = page.getByTestId('overview-agent-row');
    await expect.poll(() => rows.count(), WAIT).toBe(3);
    const names = await rows.evaluateAll((els) => els.map((el) => el.getAttribute('data-agent')));
    expect(names.sort()).toEqual(['coder', 'scout', 'tester']);
    await saveScreenshot(page, 'overview-signed-in');
    expect(pageErrors).toEqual([]);
  });

  it('streams the team answer to a chat message live, without a reload', async () => {
    stub.scriptFor(ORCH, text('options'), text(JSON.stringify(PLAN)), text('{"pass": true}'));
    stub.scriptFor('You are coder', text('parser written'));
    stub.scriptFor('You are tester', text('12 tests pass'));
    // The tester's model call waits here until the page has shown the run in progress.
    const tester = proxy.hold((body) => body.includes('You are tester'));

    await page.getByTestId('nav-chat').click();
    await settled(page, 'Chat');
    // Gone if the page reloads.
    await page.evaluate(() => {
      (globalThis as Record<string, unknown>)['__sameDocument'] = true;
    });
    await page.getByTestId('chat-new').click();
    await page.waitForURL(/\/chat\/[0-9a-f-]{36}$/);
    await page.getByTestId('chat-input').fill('Build an ISO date parser');
    await page.getByTestId('chat-send').click();

    const mine = page.locator('[data-testid=chat-message][data-role=user]');
    await mine.waitFor(WAIT);
    expect(await mine.textContent()).toContain('Build an ISO date parser');
    await page
      .locator('[data-testid=chat-message][data-role=assistant][data-status=streaming]')
      .waitFor(WAIT);
    await expect.poll(() => tester.held, WAIT).toBeGreaterThan(0);
    // Progress notes exist only as stream events (a refetch carries no progress).
    await page
      .getByTestId('chat-progress')
      .filter({ hasText: '→ coder (code): Write the parser' })
      .waitFor(WAIT);
    await page
      .locator('[data-testid=chat-working-agent][data-agent=tester][data-status=working]')
      .waitFor(WAIT);
    await saveScreenshot(page, 'chat-streaming');

    tester.release();
    const answer = page.locator(
      '[data-testid=chat-message][data-role=assistant][data-status=complete]',
    );
    await answer.waitFor(WAIT);
    const content = (await answer.textContent()) ?? '';
    expect(content).toContain('parser written');
    expect(content).toContain('12 tests pass');
    expect(
      await page.evaluate(() => (globalThis as Record<string, unknown>)['__sameDocument']),
    ).toBe(true);
    await saveScreenshot(page, 'chat-answered');
    expect(pageErrors).toEqual([]);
  });

  it('approves an escalation, after which the agent uses its grant and finishes', async () => {
    // An operator revokes scout's write access through the policy form ...
    await page.getByTestId('nav-agents').click();
    await settled(page, 'Agents');
    await page
      .locator('[data-testid=agent-row][data-agent=scout]')
      .getByRole('link', { name: 'scout' })
      .click();
    await settled(page, 'scout');
    await page.getByTestId('agent-tab-policy').click();
    const form = page.getByTestId('policy-form');
    await form.getByText('Revoke', { exact: true }).click();
    await page.getByTestId('policy-capability').fill('fs.write');
    await page.getByTestId('policy-reason').fill('scout writes only with a person’s approval');
    await page.getByTestId('policy-submit').click();
    await page.getByTestId('policy-result').waitFor();
    const grantCells = page.getByTestId('policy-view').locator('td.mono', { hasText: 'fs.write' });
    await expect.poll(() => grantCells.count(), WAIT).toBe(0);

    // ... so to write its report, scout has to ask for it.
    const report = path.join(outDir, 'report.md');
    stub.scriptFor(
      'You are scout',
      toolCall('ask-1', 'permission__request', {
        capability: 'fs.write',
        paths: [outDir],
        reason: 'write the weekly status report',
      }),
      toolCall('write-1', 'fs__write', { path: report, content: REPORT }),
      text('Report written to out/report.md.'),
    );
    // Its next model call (the first to carry a tool result) waits here until a person decided.
    const scout = proxy.hold(
      (body) => body.includes('You are scout') && body.includes('"role":"tool"'),
    );

    await page.getByTestId('nav-tasks').click();
    await settled(page, 'Tasks');
    await page.getByTestId('new-task').click();
    await page.getByTestId('new-task-agent').click();
    await page.getByRole('option', { name: 'scout', exact: true }).click();
    await page.getByTestId('new-task-title').fill('Write the weekly status report');
    await page.getByTestId('new-task-submit').click();
    await page.waitForURL(/\/tasks\/[0-9a-f-]{36}$/);
    const taskId = new URL(page.url()).pathname.split('/').pop()!;
    await expect.poll(() => scout.held, WAIT).toBeGreaterThan(0);
    expect(await page.getByTestId('task-status').textContent()).not.toBe('completed');

    await page.getByTestId('nav-approvals-count').filter({ hasText: '1' }).waitFor(WAIT);
    await page.getByTestId('nav-approvals').click();
    await settled(page, 'Approvals');
    const row = page.locator('[data-testid=approval-row][data-kind=escalation]');
    await row.waitFor(WAIT);
    expect(await row.getAttribute('data-status')).toBe('pending');
    expect(await row.textContent()).toContain(`scout asks for fs.write on paths ${outDir}`);
    await saveScreenshot(page, 'approvals-escalation');
    await row.getByTestId('approval-approve').click();
    await page.getByTestId('approval-reason').fill('one report, in its own directory');
    await page.getByTestId('approval-confirm').click();
    await row.waitFor({ state: 'detached', ...WAIT });
    await page.getByTestId('approvals-view').getByText('All', { exact: true }).click();
    await page
      .locator('[data-testid=approval-row][data-kind=escalation][data-status=approved]')
      .waitFor(WAIT);

    scout.release();
    await page.getByTestId('nav-tasks').click();
    await settled(page, 'Tasks');
    await page
      .locator(`[data-testid=task-row][data-task-id="${taskId}"][data-status=completed]`)
      .waitFor(WAIT);
    expect(readFileSync(report, 'utf8')).toBe(REPORT);
    await saveScreenshot(page, 'tasks-escalated-task-completed');
    expect(pageErrors).toEqual([]);
  });

  it('verifies the ledger, then pinpoints an entry altered in the database file', async () => {
    await page.getByTestId('nav-ledger').click();
    await settled(page, 'Ledger');
    await page.getByTestId('ledger-verify').click();
    await page.getByTestId('ledger-verify-progress').waitFor();
    await page.locator('[data-testid=ledger-verify-result][data-state=passed]').waitFor(WAIT);
    await saveScreenshot(page, 'ledger-verified');

    // A second writer on the node's database while it runs (WAL allows it), as an intruder with
    // file access would have.
    const db = new BetterSqlite3(path.join(dataDir, 'agentvisor.db'));
    let seq: number;
    try {
      db.pragma('busy_timeout = 10000');
      const { size } = db.prepare('select max(seq) as size from ledger_entries').get() as {
        size: number;
      };
      seq = Math.floor(size / 2);
      const changed = db
        .prepare('update ledger_entries set payload = ? where seq = ?')
        .run('{"tampered":true}', seq);
      expect(changed.changes).toBe(1);
    } finally {
      db.close();
    }

    await page.getByTestId('ledger-verify').click();
    const failed = page.locator('[data-testid=ledger-verify-result][data-state=failed]');
    await failed.waitFor(WAIT);
    expect(await page.getByTestId('ledger-bad-link').textContent()).toBe(`#${seq}`);
    const bad = page.getByTestId('ledger-bad-entry');
    await bad.waitFor(WAIT);
    expect(await bad.getAttribute('data-seq')).toBe(String(seq));
    await saveScreenshot(page, 'ledger-tampered');
    expect(pageErrors).toEqual([]);
  });

  it('renders every page without errors, at 1280 px and at 390 px', async () => {
    const visit = async (name: string, title: string) => {
      await settled(page, title);
      expect(await page.getByTestId('page-error').count(), name).toBe(0);
      expect(pageErrors, name).toEqual([]);
      await saveScreenshot(page, `page-${name}`);
    };
    const nav: [string, string, string][] = [
      ['overview', 'nav-overview', 'Overview'],
      ['chat', 'nav-chat', 'Chat'],
      ['agents', 'nav-agents', 'Agents'],
    ];
    for (const [name, testId, title] of nav) {
      await page.getByTestId(testId).click();
      await visit(name, title);
    }
    await page
      .locator('[data-testid=agent-row][data-agent=scout]')
      .getByRole('link', { name: 'scout' })
      .click();
    await visit('agent-detail', 'scout');

    await page.getByTestId('nav-tasks').click();
    await visit('tasks', 'Tasks');
    const first = page.getByTestId('task-row').first();
    const title = (await first.getByRole('link').textContent()) ?? '';
    await first.getByRole('link').click();
    await visit('task-detail', title);

    const rest: [string, string, string][] = [
      ['approvals', 'nav-approvals', 'Approvals'],
      ['ledger', 'nav-ledger', 'Ledger'],
      ['costs', 'nav-costs', 'Costs & budgets'],
      ['compliance', 'nav-compliance', 'Compliance'],
      ['settings', 'nav-settings', 'Settings'],
    ];
    for (const [name, testId, pageTitle] of rest) {
      await page.getByTestId(testId).click();
      await visit(name, pageTitle);
    }

    // A phone: the navigation folds behind the burger, which wide screens do not show.
    expect(await page.getByTestId('nav-burger').isVisible()).toBe(false);
    await page.setViewportSize({ width: 390, height: 844 });
    await page.getByTestId('nav-burger').click();
    await page.getByTestId('nav-overview').click();
    await visit('overview-390', 'Overview');
    // Nothing sticks out sideways: wide tables scroll inside their own containers.
    expect(await page.evaluate<number>('document.documentElement.scrollWidth')).toBeLessThanOrEqual(
      390,
    );
    await page.setViewportSize({ width: 1280, height: 800 });
    expect(pageErrors).toEqual([]);
  });
});
