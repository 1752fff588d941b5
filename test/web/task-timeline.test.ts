/**
 * @module A task's timeline and the policy patch form's change: pure functions of the dashboard.
 */
import { describe, expect, it } from 'vitest';
import { type PolicyForm, policyChange } from '../../web/src/agents/policy-change.js';
import type { TaskDetail, TeamRunView } from '../../web/src/api/api-types.js';
import { taskTimeline } from '../../web/src/tasks/task-timeline.js';

const detail: TaskDetail = {
  task: {
    id: 't1',
    title: 'Ship it',
    description: '',
    status: 'completed',
    priority: 5,
    agentId: null,
    result: 'All done',
    createdAt: '2026-01-01T00:00:00.000Z',
    updatedAt: '2026-01-01T00:00:09.000Z',
  },
  goals: [],
  thoughts: [
    { id: 'th1', status: 'complete', content: 'thinking', createdAt: '2026-01-01T00:00:03.000Z' },
  ],
  toolCalls: [],
  subtasks: [
    {
      id: 's1',
      parentId: 't1',
      agent: 'coder',
      title: 'Build',
      status: 'completed',
      priority: 5,
      createdAt: '2026-01-01T00:00:02.000Z',
      updatedAt: '2026-01-01T00:00:05.000Z',
    },
  ],
  messages: [],
};

const run: TeamRunView = {
  run: {
    taskId: 't1',
    team: 'default',
    status: 'completed',
    phase: 'learn',
    round: 1,
    maxRounds: 3,
    state: {
      plan: {
        approach: 'Split it',
        pattern: 'sequential',
        subtasks: [{ title: 'Build', role: 'dev' }],
      },
      verdict: { pass: true, reason: 'criteria met' },
    },
    createdAt: '2026-01-01T00:00:00.000Z',
    updatedAt: '2026-01-01T00:00:09.000Z',
  },
  task: { status: 'completed', result: 'All done' },
  steps: [
    {
      seq: 1,
      phase: 'plan',
      round: 1,
      status: 'ok',
      summary: 'planned',
      createdAt: '2026-01-01T00:00:01.000Z',
    },
    {
      seq: 2,
      phase: 'verify',
      round: 1,
      status: 'ok',
      summary: 'checked',
      createdAt: '2026-01-01T00:00:06.000Z',
    },
  ],
  subtasks: [
    {
      taskId: 's1',
      round: 1,
      position: 0,
      role: 'dev',
      agent: 'coder',
      title: 'Build',
      status: 'completed',
      result: 'built',
    },
  ],
};

describe('taskTimeline', () => {
  it('orders creation, plan, hand-off, thought, verify and outcome by time', () => {
    const entries = taskTimeline(detail, run);
    expect(entries.map((e) => e.kind)).toEqual([
      'created',
      'plan',
      'handoff',
      'thought',
      'verify',
      'outcome',
    ]);
    expect(entries[1]?.plan).toHaveLength(1);
    expect(entries[2]?.title).toBe('Handed to coder (dev): Build');
    expect(entries[4]).toMatchObject({
      title: 'Verify (round 1): passed',
      detail: 'criteria met',
      status: 'ok',
    });
    expect(entries[5]).toMatchObject({ title: 'Task completed', detail: 'All done' });
  });

  it('works without a team run', () => {
    const entries = taskTimeline({ ...detail, subtasks: [] });
    expect(entries.map((e) => e.kind)).toEqual(['created', 'thought', 'outcome']);
  });
});

const form: PolicyForm = {
  op: 'add',
  capability: 'fs.read',
  paths: '/work/**, /tmp/**',
  hosts: '',
  commands: '',
  models: '',
  unscoped: false,
  autoRestart: 3,
};

describe('policyChange', () => {
  it('builds each kind of change', () => {
    expect(policyChange(form)).toEqual({
      ok: true,
      change: { op: 'add', capability: 'fs.read', scope: { paths: ['/work/**', '/tmp/**'] } },
    });
    expect(policyChange({ ...form, op: 'remove' })).toEqual({
      ok: true,
      change: { op: 'remove', capability: 'fs.read' },
    });
    expect(policyChange({ ...form, op: 'scope', unscoped: true })).toEqual({
      ok: true,
      change: { op: 'scope', capability: 'fs.read', scope: null },
    });
    expect(policyChange({ ...form, op: 'auto_restart', autoRestart: '7' })).toEqual({
      ok: true,
      change: { op: 'auto_restart', value: 7 },
    });
  });

  it('says what is wrong the way the server would', () => {
    expect(policyChange({ ...form, capability: 'FS.*' })).toMatchObject({ ok: false });
    expect(policyChange({ ...form, paths: '/work/../etc' })).toMatchObject({ ok: false });
    expect(policyChange({ ...form, paths: '', hosts: 'https://x.example' })).toMatchObject({
      ok: false,
    });
    expect(policyChange({ ...form, op: 'scope', paths: '' })).toMatchObject({ ok: false });
    expect(policyChange({ ...form, op: 'auto_restart', autoRestart: -1 })).toMatchObject({
      ok: false,
    });
  });
});
