import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CallerRef, configSchema } from '../../../../src/core/index.js';
import {
  connectStreamSources,
  type StreamEvent,
  StreamJournal,
} from '../../../../src/server/stream/index.js';
import type { SupervisorEvent } from '../../../../src/supervisor/index.js';
import {
  type AgentvisorSystem,
  createLogger,
  OPERATOR_CAPABILITIES,
  openSystem,
} from '../../../../src/system/index.js';
import { tempDir } from '../../../support/services.js';

describe('connectStreamSources on a real system', () => {
  const tmp = tempDir('agentvisor-stream-');
  let system: AgentvisorSystem;
  const operator: CallerRef = { kind: 'human', id: 'tester' };
  const journal = new StreamJournal();
  const events: StreamEvent[] = [];
  let supervisorListener: ((e: SupervisorEvent) => void) | undefined;
  let stop: () => void;

  beforeAll(async () => {
    system = await openSystem({
      config: configSchema.parse({}),
      dataDir: path.join(tmp.dir, '.agentvisor'),
      logger: createLogger({ level: 'silent', format: 'json' }),
      env: { ...process.env, AGENTVISOR_REDIS_URL: '' },
    });
    system.principals.register({ ...operator, capabilities: new Set(OPERATOR_CAPABILITIES) });
    journal.onEvent((e) => events.push(e));
    stop = connectStreamSources(journal, system, {
      supervisor: {
        onEvent(listener) {
          supervisorListener = listener;
          return () => {
            supervisorListener = undefined;
          };
        },
      },
    });
  });

  afterAll(async () => {
    await system?.close();
    tmp.remove();
  });

  const on = (channel: string) => events.filter((e) => e.channel === channel);

  it('publishes a task update on tasks', async () => {
    const task = await system.records.createTask({ title: 'summarise logs' }, 'human:tester');
    await system.records.updateTask(task.id, { status: 'in_progress' }, 'human:tester');
    expect(on('tasks')).toEqual([
      expect.objectContaining({
        type: 'task_update',
        data: expect.objectContaining({
          id: task.id,
          title: 'summarise logs',
          status: 'in_progress',
          parentId: null,
          hasResult: false,
          ledgerSeq: expect.any(Number),
        }),
      }),
    ]);
  });

  it('publishes a ledger append for a recorded kernel call', async () => {
    const { ledgerSeq } = await system.kernel.call(operator, 'ledger.annotate', {
      type: 'operator.note',
      payload: { note: 'hello' },
    });
    expect(ledgerSeq).toEqual(expect.any(Number));
    const appended = on('ledger').find((e) => (e.data as { op: string }).op === 'ledger.annotate');
    expect(appended).toMatchObject({
      type: 'ledger_append',
      data: { seq: ledgerSeq, op: 'ledger.annotate', actor: 'human:tester', outcome: 'ok' },
    });
    // The arguments stay out of the stream.
    expect(JSON.stringify(appended?.data)).not.toContain('hello');
  });

  it('publishes approval items without their request', async () => {
    const item = await system.policy.approvals.request({
      kind: 'question',
      agentId: 'agent-1',
      agent: 'coder',
      summary: 'may I deploy?',
      request: { secretish: 'do-not-stream' },
      requestedBy: 'agent:agent-1',
      ttlSeconds: 60,
    });
    expect(on('approvals')).toEqual([
      expect.objectContaining({
        type: 'approval',
        data: expect.objectContaining({ id: item.id, status: 'pending', summary: 'may I deploy?' }),
      }),
    ]);
    expect(JSON.stringify(on('approvals'))).not.toContain('do-not-stream');
  });

  it('maps supervisor state changes to agent_status, and faults and escalations to fault', () => {
    supervisorListener?.({
      type: 'state',
      supervisor: 'agents',
      child: 'coder',
      id: 'agent-1',
      from: 'active',
      to: 'fault',
      reason: 'crash: exit code 1',
      restartCount: 2,
      at: Date.now(),
      exit: { kind: 'crash', code: 1, reason: 'exit code 1' },
    });
    supervisorListener?.({
      type: 'escalated',
      supervisor: 'agents',
      child: 'coder',
      reason: 'too many restarts',
      maxRestarts: 3,
      withinSeconds: 5,
      at: Date.now(),
    });
    expect(on('agents')).toEqual([
      expect.objectContaining({
        type: 'agent_status',
        data: expect.objectContaining({ agent: 'coder', state: 'fault', from: 'active' }),
      }),
    ]);
    expect(on('faults').map((e) => (e.data as { kind: string }).kind)).toEqual([
      'exit',
      'escalation',
    ]);
  });

  it('stops publishing once stopped', async () => {
    stop();
    const before = events.length;
    await system.kernel.call(operator, 'ledger.annotate', { type: 'operator.note', payload: {} });
    expect(supervisorListener).toBeUndefined();
    expect(events.length).toBe(before);
  });
});
