/**
 * The log writer: secrets are redacted in the message and the fields (by key, as the process
 * logger's paths say, and by value, for Agentvisor's and providers' token shapes); a full buffer
 * drops debug and trace lines first and reports every drop; the level filter; capture of pino
 * lines that name an agent or a task.
 */
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { validateConfig } from '../../../src/core/index.js';
import {
  LogCaptureStream,
  parseLogLevel,
  queryLogs,
  scrubSecrets,
  TaskLogWriter,
  teeLogger,
} from '../../../src/logs/index.js';
import { REDACTED_PATHS } from '../../../src/system/index.js';
import { type FreshStore, openFreshStore } from '../../support/fresh-store.js';

let fresh: FreshStore | undefined;
afterEach(async () => {
  await fresh?.cleanup();
  fresh = undefined;
});

async function store() {
  fresh = await openFreshStore('sqlite');
  return fresh.store;
}

const OPERATOR_TOKEN = 'avo_Q2hlY2tUaGlzT3BlcmF0b3JUb2tlbjEyMzQ1Njc4OTA';
const SESSION_TOKEN = 'avs_c2Vzc2lvbnRva2VuMTIzNDU2Nzg5MGFiY2RlZg';
const API_KEY = 'avk_YXBpa2V5MTIzNDU2Nzg5MGFiY2RlZmdoaWprbG1u';
const PROVIDER_KEY = 'sk-proj-AbCdEf0123456789xyzXYZ';

describe('secret redaction', () => {
  it('scrubs Agentvisor and provider tokens from text', () => {
    for (const secret of [OPERATOR_TOKEN, SESSION_TOKEN, API_KEY, PROVIDER_KEY]) {
      const out = scrubSecrets(`calling with ${secret} now`);
      expect(out).toBe('calling with [redacted] now');
    }
    expect(scrubSecrets('Authorization: Bearer abc.def.ghi')).toBe(
      'Authorization: Bearer [redacted]',
    );
    expect(scrubSecrets('tool fs.read ok (3 ms)')).toBe('tool fs.read ok (3 ms)');
  });

  it('redacts the message and the fields, by key at any depth and by value', async () => {
    const writer = new TaskLogWriter({ store: await store(), redactPaths: REDACTED_PATHS });
    const entry = writer.write({
      level: 'info',
      agent: 'writer',
      taskId: '0193aaaa-0000-7000-8000-000000000001',
      message: `connected with ${OPERATOR_TOKEN} and Bearer ${SESSION_TOKEN}`,
      fields: {
        password: 'hunter2',
        request: { headers: { authorization: 'Basic dXNlcjpwYXNz', cookie: 'sid=1' } },
        nested: { apiKey: 'plain-key', deeper: [{ private_key: 'pem', token: 't0k3n' }] },
        note: `the key is ${API_KEY}; the model key ${PROVIDER_KEY}`,
        count: 3,
      },
    });
    expect(entry).toBeDefined();
    await writer.close();
    const { entries } = await queryLogs(fresh!.store, {});
    expect(entries).toHaveLength(1);
    const stored = JSON.stringify(entries[0]);
    for (const secret of [
      OPERATOR_TOKEN,
      SESSION_TOKEN,
      API_KEY,
      PROVIDER_KEY,
      'hunter2',
      'dXNlcjpwYXNz',
      'sid=1',
      'plain-key',
      'pem',
      't0k3n',
    ]) {
      expect(stored).not.toContain(secret);
    }
    expect(entries[0]!.fields).toMatchObject({
      password: '[redacted]',
      request: { headers: { authorization: '[redacted]', cookie: '[redacted]' } },
      nested: {
        apiKey: '[redacted]',
        deeper: [{ private_key: '[redacted]', token: '[redacted]' }],
      },
      note: 'the key is [redacted]; the model key [redacted]',
      count: 3,
    });
    expect(entries[0]!.message).toBe('connected with [redacted] and Bearer [redacted]');
    // What live listeners get is the redacted entry too.
    expect(JSON.stringify(entry)).not.toContain(OPERATOR_TOKEN);
  });
});

describe('a full buffer', () => {
  // Nothing flushes by itself during these tests: a long interval and a large batch.
  const quiet = { flushMs: 60_000, batchSize: 10_000 };

  it('drops the oldest debug and trace lines first, and reports every drop', async () => {
    const writer = new TaskLogWriter({
      store: await store(),
      redactPaths: REDACTED_PATHS,
      level: 'trace',
      capacity: 5,
      ...quiet,
    });
    writer.write({ level: 'debug', message: 'd1' });
    writer.write({ level: 'info', message: 'i1' });
    writer.write({ level: 'trace', message: 't1' });
    writer.write({ level: 'debug', message: 'd2' });
    writer.write({ level: 'warn', message: 'w1' });
    // Full: each new line pushes out the oldest debug/trace line.
    writer.write({ level: 'info', message: 'i2' });
    writer.write({ level: 'error', message: 'e1' });
    expect(writer.stats().dropped).toMatchObject({ debug: 1, trace: 1, info: 0, error: 0 });
    // d2 is the last low line; a new info pushes it out, the next one pushes out the oldest info.
    writer.write({ level: 'info', message: 'i3' });
    writer.write({ level: 'info', message: 'i4' });
    expect(writer.stats().dropped).toMatchObject({ debug: 2, trace: 1, info: 1 });
    // A new debug line never displaces info and above: it is the one dropped, and counted.
    expect(writer.write({ level: 'debug', message: 'd3' })).toBeUndefined();
    expect(writer.stats().dropped).toMatchObject({ debug: 3, trace: 1, info: 1 });
    expect(writer.stats().buffered).toBe(5);

    await writer.close();
    const { entries } = await queryLogs(fresh!.store, {});
    const messages = entries.map((e) => e.message);
    // The survivors in order, then the report, made when the batch was written.
    expect(messages).toEqual([
      'w1',
      'i2',
      'e1',
      'i3',
      'i4',
      'log buffer full: 5 lines dropped (trace 1, debug 3, info 1)',
    ]);
    expect(entries[5]!.level).toBe('warn');
    expect(entries[5]!.fields).toEqual({ dropped: { trace: 1, debug: 3, info: 1 } });
    expect(writer.stats()).toMatchObject({ written: 6, buffered: 0, failed: 0 });
  });

  it('bounds the buffer by bytes as well as lines', async () => {
    const writer = new TaskLogWriter({
      store: await store(),
      redactPaths: REDACTED_PATHS,
      maxBufferBytes: 2000,
      ...quiet,
    });
    for (let i = 0; i < 10; i++)
      writer.write({ level: 'info', message: `${i} ${'x'.repeat(400)}` });
    const { dropped, buffered } = writer.stats();
    expect(buffered).toBeLessThan(10);
    expect(dropped.info).toBe(10 - buffered);
    await writer.close();
  });

  it('never blocks the caller: write returns before anything is stored', async () => {
    const writer = new TaskLogWriter({ store: await store(), redactPaths: REDACTED_PATHS });
    const started = performance.now();
    for (let i = 0; i < 2000; i++) writer.write({ level: 'info', message: `line ${i}` });
    expect(performance.now() - started).toBeLessThan(1000);
    await writer.flush();
    expect(writer.stats().written).toBe(2000);
    const page = await queryLogs(fresh!.store, { limit: 1000 });
    expect(page.entries.at(-1)?.message).toBe('line 1999');
    await writer.close();
  });
});

describe('the level filter', () => {
  it('stores nothing below the configured level', async () => {
    const writer = new TaskLogWriter({
      store: await store(),
      redactPaths: REDACTED_PATHS,
      level: 'warn',
    });
    expect(writer.write({ level: 'info', message: 'skipped' })).toBeUndefined();
    expect(writer.write({ level: 'debug', message: 'skipped too' })).toBeUndefined();
    expect(writer.write({ level: 'warn', message: 'kept' })).toBeDefined();
    expect(writer.write({ level: 'fatal', message: 'kept too' })).toBeDefined();
    await writer.close();
    const { entries } = await queryLogs(fresh!.store, {});
    expect(entries.map((e) => e.message)).toEqual(['kept', 'kept too']);
    // Nothing below the level counts as dropped.
    expect(Object.values(writer.stats().dropped).every((n) => n === 0)).toBe(true);
  });

  it('reads from a minimum level', async () => {
    const writer = new TaskLogWriter({
      store: await store(),
      redactPaths: REDACTED_PATHS,
      level: 'trace',
    });
    for (const level of ['trace', 'debug', 'info', 'warn', 'error', 'fatal'] as const) {
      writer.write({ level, message: level });
    }
    await writer.close();
    const at = async (level: 'info' | 'error' | 'trace') =>
      (await queryLogs(fresh!.store, { level })).entries.map((e) => e.message);
    expect(await at('info')).toEqual(['info', 'warn', 'error', 'fatal']);
    expect(await at('error')).toEqual(['error', 'fatal']);
    expect(await at('trace')).toHaveLength(6);
  });

  it('refuses an unknown level, naming the allowed ones', () => {
    expect(() => parseLogLevel('loud', '--level')).toThrow(
      '--level: "loud" is not a log level; use one of trace, debug, info, warn, error, fatal',
    );
    expect(parseLogLevel('WARN', '--level')).toBe('warn');
  });
});

describe('capture of pino lines', () => {
  it('stores lines that name an agent or a task, at or above the level, and only those', async () => {
    const writer = new TaskLogWriter({ store: await store(), redactPaths: REDACTED_PATHS });
    const ids = new Map([['writer', '0193aaaa-0000-7000-8000-00000000000a']]);
    const capture = new LogCaptureStream({ writer, agentIdOf: (name) => ids.get(name) });
    const out: string[] = [];
    const base = pino({ level: 'warn' }, { write: (line: string) => out.push(line) });
    const log = teeLogger({ base, capture, captureLevel: 'info', redactPaths: REDACTED_PATHS });

    log.info('no agent, not stored');
    log.info({ agent: 'writer', status: 'running', secret: 'x' }, 'agent status changed');
    log.child({ task: '0193bbbb-0000-7000-8000-000000000001' }).warn({ tool: 'fs.read' }, 'slow');
    log.debug({ agent: 'writer' }, 'below the store level');

    await writer.close();
    const { entries } = await queryLogs(fresh!.store, {});
    expect(entries.map((e) => [e.level, e.agent, e.agentId, e.taskId, e.message])).toEqual([
      ['info', 'writer', '0193aaaa-0000-7000-8000-00000000000a', null, 'agent status changed'],
      ['warn', null, null, '0193bbbb-0000-7000-8000-000000000001', 'slow'],
    ]);
    expect(entries[0]!.fields).toEqual({ status: 'running', secret: '[redacted]' });
    expect(entries[1]!.fields).toEqual({ tool: 'fs.read' });
    // The base logger's own output keeps its level: only the warning reached it.
    expect(out.map((l) => (JSON.parse(l) as { msg: string }).msg)).toEqual(['slow']);
  });
});

describe('the logs: config section', () => {
  it('has defaults', () => {
    const { config } = validateConfig({}, { env: {} });
    expect(config.logs).toEqual({ retention_days: 14, max_mb: 256, level: 'info' });
  });

  it('names every bad field', () => {
    expect(() =>
      validateConfig(
        { logs: { retention_days: 0, max_mb: 'lots', level: 'loud', keep: true } },
        { env: {} },
      ),
    ).toThrow(
      expect.objectContaining({
        message: expect.stringMatching(
          /logs\.retention_days[\s\S]*logs\.max_mb[\s\S]*logs\.level[\s\S]*keep/,
        ),
      }),
    );
  });
});
