/**
 * The `logs` verb's pieces that need no node: following polls with the last id as the cursor
 * until stopped, and a line for people shows time, level, agent, task, message and fields.
 */
import { describe, expect, it } from 'vitest';
import {
  followLogs,
  formatLogLine,
  type LogsReadQuery,
} from '../../../src/cli/commands/logs-command.js';
import type { LogEntry, LogPage } from '../../../src/logs/index.js';

function entry(id: string, message: string): LogEntry {
  return {
    id,
    at: '2026-01-02T03:04:05.678Z',
    level: 'warn',
    agent: 'writer',
    agentId: 'a1',
    taskId: 't1',
    message,
    fields: { tool: 'fs.read', durationMs: 3 },
  };
}

describe('followLogs', () => {
  it('prints the first page, then polls after the last id until stopped', async () => {
    const pages: LogPage[] = [
      { entries: [entry('01', 'one'), entry('02', 'two')], cursor: '02' },
      { entries: [], cursor: '02' },
      { entries: [entry('03', 'three')], cursor: '03' },
    ];
    const asked: LogsReadQuery[] = [];
    const printed: string[] = [];
    const stop = new AbortController();
    await followLogs({
      read: async (q) => {
        asked.push(q);
        const page = pages.shift();
        if (pages.length === 0) stop.abort();
        return page ?? { entries: [], cursor: q.after ?? null };
      },
      query: { task: 't1', limit: 10 },
      print: (e) => printed.push(e.message),
      follow: true,
      signal: stop.signal,
      intervalMs: 1,
    });
    expect(printed).toEqual(['one', 'two', 'three']);
    expect(asked.map((q) => q.after)).toEqual([undefined, '02', '02']);
    expect(asked.every((q) => q.task === 't1')).toBe(true);
  });

  it('reads once without -f', async () => {
    let reads = 0;
    await followLogs({
      read: async () => {
        reads++;
        return { entries: [entry('01', 'one')], cursor: '01' };
      },
      query: { limit: 5 },
      print: () => {},
      follow: false,
    });
    expect(reads).toBe(1);
  });
});

describe('formatLogLine', () => {
  it('shows time, level, agent, task, message and fields', () => {
    expect(formatLogLine(entry('01', 'tool fs.read slow'), false)).toBe(
      '2026-01-02 03:04:05.678 WARN  writer task=t1 tool fs.read slow tool=fs.read durationMs=3',
    );
  });

  it('reads the same with colour, once the colour codes are gone', () => {
    const coloured = formatLogLine(entry('01', 'x'), true);
    // biome-ignore lint/suspicious/noControlCharactersInRegex: ANSI escape sequences
    expect(coloured.replace(/\u001b\[[0-9;]*m/g, '')).toBe(formatLogLine(entry('01', 'x'), false));
  });
});
