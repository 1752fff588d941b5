/**
 * @module What feeds the stream: the running system's own listeners (supervisor events, task
 * updates, every kernel call, approvals, budget thresholds, orchestrator runs), each mapped to a
 * small, secret-free payload on its channel. Payloads carry names, ids, states, durations and
 * outcomes, never arguments or results: a client that wants the full record fetches it over the
 * REST API by the id it got here.
 */
import type { CallEvent } from '../../core/index.js';
import type { ApprovalItem } from '../../policy/index.js';
import type { TaskTable } from '../../store/index.js';
import type { SupervisorEvent } from '../../supervisor/index.js';
import type { AgentvisorSystem } from '../../system/index.js';
import type { RunEvent } from '../../team/index.js';
import type { StreamJournal } from './event-journal.js';

/** The parts of the system the sources listen to. */
export type StreamSourceSystem = Pick<
  AgentvisorSystem,
  'kernel' | 'records' | 'policy' | 'gatewaySystem' | 'team' | 'agents'
>;

/** The supervision of a running node (`AgentSupervision`), when the node supervises agents. */
export interface StreamSupervision {
  readonly supervisor: {
    onEvent(listener: (event: SupervisorEvent) => void): () => void;
  };
}

/** Longest free text (reasons, summaries, result previews) copied into an event. */
const MAX_TEXT = 1000;

function cut(text: string, max = MAX_TEXT): string {
  return text.length <= max ? text : `${text.slice(0, max)}…`;
}

const THOUGHT_STEPS: Readonly<Record<string, string>> = {
  'beat.plan': 'plan',
  'beat.complete': 'complete',
  'beat.failed_thought': 'failed',
};

/**
 * Subscribes the journal to everything the system makes observable and returns the function
 * that stops it. Channels: `agents` and `faults` (with `supervision`), `tasks`, `thoughts`,
 * `tools`, `ledger`, `approvals`, `budgets`, `runs`. Connect once per process: the kernel's
 * observers cannot be removed, so after the stop function runs they only return.
 *
 * @example
 * const journal = new StreamJournal();
 * const stop = connectStreamSources(journal, system, supervision);
 * // on shutdown:
 * stop();
 */
export function connectStreamSources(
  journal: StreamJournal,
  system: StreamSourceSystem,
  supervision?: StreamSupervision,
): () => void {
  let active = true;
  const agentOf = (actor: string): { agentId?: string; agent?: string } => {
    if (!actor.startsWith('agent:')) return {};
    const agentId = actor.slice('agent:'.length);
    const name = system.agents.byId(agentId)?.name;
    return name === undefined ? { agentId } : { agentId, agent: name };
  };

  const onCall = (e: CallEvent): void => {
    const code = e.code === undefined ? {} : { code: e.code };
    const seq = e.ledgerSeq === undefined ? {} : { ledgerSeq: e.ledgerSeq };
    if (e.ledgerSeq !== undefined) {
      journal.publish('ledger', 'ledger_append', {
        seq: e.ledgerSeq,
        op: e.op,
        actor: e.actor,
        outcome: e.outcome,
        ...code,
        callId: e.callId,
      });
    }
    const step = THOUGHT_STEPS[e.op];
    if (e.op !== 'tool.call' && step === undefined) return;
    // What a tool call and a thought step share: the call, who made it and how it went.
    const call = {
      callId: e.callId,
      actor: e.actor,
      ...agentOf(e.actor),
      outcome: e.outcome,
      ...code,
      durationUs: e.durationUs,
      ...seq,
    };
    if (e.op === 'tool.call') journal.publish('tools', 'tool_call', call);
    else journal.publish('thoughts', 'thought', { ...call, step });
  };

  const stops: (() => void)[] = [];
  // Kernel observers must not throw (they run inside every call's bookkeeping).
  system.kernel.observe({
    record(e) {
      if (!active) return;
      try {
        onCall(e);
      } catch {
        // A payload that cannot be built is one event fewer, never a failed call.
      }
    },
  });
  stops.push(
    system.records.onTaskUpdate((task) =>
      journal.publish('tasks', 'task_update', taskPayload(task)),
    ),
  );
  stops.push(
    system.policy.approvals.onChange((item) =>
      journal.publish('approvals', 'approval', approvalPayload(item)),
    ),
  );
  stops.push(
    system.gatewaySystem.budgets.onAction((e) =>
      journal.publish('budgets', 'budget_alert', {
        budget: e.budget,
        limit: e.limit,
        window: e.window,
        threshold: e.threshold,
        action: e.action,
        spent: e.spent,
        projected: e.projected,
        limitValue: e.limitValue,
        fraction: e.fraction,
        ...(e.agentId === undefined ? {} : { agentId: e.agentId }),
        ...(e.apiKeyName === undefined ? {} : { apiKeyName: e.apiKeyName }),
      }),
    ),
  );
  stops.push(
    system.team.orchestrator.onEvent((e) => journal.publish('runs', 'run_event', runPayload(e))),
  );
  if (supervision !== undefined) {
    stops.push(supervision.supervisor.onEvent((e) => publishSupervisorEvent(journal, e)));
  }
  return () => {
    active = false;
    for (const stop of stops.splice(0)) stop();
  };
}

function taskPayload(task: TaskTable): Record<string, unknown> {
  return {
    id: task.id,
    parentId: task.parent_id,
    agentId: task.agent_id,
    title: task.title,
    description: cut(task.description),
    status: task.status,
    priority: task.priority,
    hasResult: task.result !== null,
    createdAt: task.created_at,
    updatedAt: task.updated_at,
    ledgerSeq: task.ledger_seq,
  };
}

// The request and response stay out: they hold whatever an agent asked or a person answered.
function approvalPayload(item: ApprovalItem): Record<string, unknown> {
  return {
    id: item.id,
    kind: item.kind,
    agentId: item.agentId,
    agent: item.agent,
    summary: cut(item.summary),
    status: item.status,
    requestedBy: item.requestedBy,
    requestedAt: item.requestedAt,
    expiresAt: item.expiresAt,
    decidedBy: item.decidedBy,
    decidedAt: item.decidedAt,
    decisionReason: item.decisionReason === null ? null : cut(item.decisionReason),
  };
}

function runPayload(e: RunEvent): Record<string, unknown> {
  switch (e.kind) {
    case 'phase':
      return { ...e, summary: cut(e.summary) };
    case 'handoff':
      return { ...e, title: cut(e.title) };
    case 'subtask':
      return { ...e, result: cut(e.result) };
    case 'status':
      return e.result === undefined ? { ...e } : { ...e, result: cut(e.result) };
  }
}

function publishSupervisorEvent(journal: StreamJournal, e: SupervisorEvent): void {
  if (e.type === 'escalated') {
    journal.publish('faults', 'fault', {
      kind: 'escalation',
      supervisor: e.supervisor,
      agent: e.child,
      reason: cut(e.reason),
      maxRestarts: e.maxRestarts,
      withinSeconds: e.withinSeconds,
    });
    return;
  }
  const exit =
    e.exit === undefined
      ? {}
      : {
          exit: {
            kind: e.exit.kind,
            code: e.exit.code ?? null,
            signal: e.exit.signal ?? null,
            reason: cut(e.exit.reason),
          },
        };
  journal.publish('agents', 'agent_status', {
    agentId: e.id,
    agent: e.child,
    state: e.to,
    from: e.from,
    reason: cut(e.reason),
    restartCount: e.restartCount,
    ...(e.pid === undefined ? {} : { pid: e.pid }),
    ...exit,
  });
  if (e.to === 'fault') {
    journal.publish('faults', 'fault', {
      kind: 'exit',
      agentId: e.id,
      agent: e.child,
      reason: cut(e.reason),
      restartCount: e.restartCount,
      ...exit,
    });
  }
}
