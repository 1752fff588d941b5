/**
 * @module A task's history as one time-ordered list: created, each phase of a team run (the plan,
 * the verify verdicts), hand-offs to agents, thoughts, tool calls, and the outcome. Built from
 * `GET /tasks/:id` and, for a team run, `GET /team/runs/:id`; pure, so it is tested on its own.
 */
// With `.js`: the unit tests compile this module under the root tsconfig (NodeNext).
import type { PlannedSubtask, TaskDetail, TeamRunView } from '../api/api-types.js';

/** What an entry is about. */
export type TimelineKind =
  | 'created'
  | 'phase'
  | 'plan'
  | 'verify'
  | 'handoff'
  | 'message'
  | 'thought'
  | 'tool'
  | 'outcome';

/** One entry. */
export interface TimelineEntry {
  readonly key: string;
  readonly kind: TimelineKind;
  readonly at: string;
  readonly title: string;
  readonly detail?: string;
  /** `ok`, `failed`, or a status word, for the entry's color. */
  readonly status?: string;
  /** The plan's subtasks, on a `plan` entry. */
  readonly plan?: readonly PlannedSubtask[];
  /** A task the entry links to (a hand-off's subtask). */
  readonly taskId?: string;
}

const TERMINAL = new Set(['completed', 'failed', 'cancelled']);

function resultText(result: unknown): string | undefined {
  if (result === null || result === undefined) return undefined;
  return typeof result === 'string' ? result : JSON.stringify(result, null, 2);
}

/**
 * The entries of `detail` (and its team run), oldest first.
 *
 * @example
 * const entries = taskTimeline(detail, run);
 * entries[0].kind; // 'created'
 */
export function taskTimeline(detail: TaskDetail, run?: TeamRunView): TimelineEntry[] {
  const { task } = detail;
  const entries: TimelineEntry[] = [
    {
      key: 'created',
      kind: 'created',
      at: task.createdAt,
      title: 'Task created',
      // The title heads the page; the description only when it says more.
      ...(task.description === '' || task.description.trim() === task.title.trim()
        ? {}
        : { detail: task.description }),
    },
  ];
  if (run !== undefined) {
    const verdict = run.run.state.verdict;
    const verifySteps = run.steps.filter((s) => s.phase === 'verify');
    const lastVerify = verifySteps.at(-1);
    for (const step of run.steps) {
      const base = { key: `step-${step.seq}`, at: step.createdAt, status: step.status };
      if (step.phase === 'plan' && step.status === 'ok' && run.run.state.plan !== undefined) {
        const plan = run.run.state.plan;
        entries.push({
          ...base,
          kind: 'plan',
          title: `Plan (round ${step.round}): ${plan.subtasks.length} subtask${plan.subtasks.length === 1 ? '' : 's'}, ${plan.pattern ?? 'sequential'}`,
          detail: plan.approach || step.summary,
          plan: plan.subtasks,
        });
      } else if (step.phase === 'verify') {
        const final = step === lastVerify && verdict !== undefined;
        entries.push({
          ...base,
          kind: 'verify',
          title: `Verify (round ${step.round}): ${final ? (verdict.pass ? 'passed' : 'failed') : step.status === 'ok' ? 'done' : 'failed'}`,
          detail: final && verdict.reason ? verdict.reason : step.summary,
          status: final ? (verdict.pass ? 'ok' : 'failed') : step.status,
        });
      } else {
        entries.push({
          ...base,
          kind: 'phase',
          title: `${step.phase.replaceAll('_', ' ')} (round ${step.round})`,
          detail: step.summary,
        });
      }
    }
  }
  const roles = new Map(run?.subtasks.map((s) => [s.taskId, s]) ?? []);
  for (const sub of detail.subtasks) {
    const planned = roles.get(sub.id);
    entries.push({
      key: `sub-${sub.id}`,
      kind: 'handoff',
      at: sub.createdAt,
      title: `Handed to ${sub.agent ?? planned?.agent ?? 'an agent'}${planned === undefined ? '' : ` (${planned.role})`}: ${sub.title}`,
      status: sub.status,
      taskId: sub.id,
      ...(planned?.result ? { detail: planned.result } : {}),
    });
  }
  for (const message of detail.messages) {
    entries.push({
      key: `msg-${message.id}`,
      kind: 'message',
      at: message.created_at,
      title: `${message.sender} → ${message.recipient}`,
      detail: message.acked_at === null ? 'not yet taken in' : 'taken in',
    });
  }
  for (const thought of detail.thoughts) {
    entries.push({
      key: `thought-${thought.id}`,
      kind: 'thought',
      at: thought.createdAt,
      title: `Thought (${thought.status})`,
      detail: thought.content,
      status: thought.status,
    });
  }
  for (const call of detail.toolCalls) {
    entries.push({
      key: `tool-${call.key}`,
      kind: 'tool',
      at: call.startedAt ?? call.finishedAt ?? task.createdAt,
      title: `Tool ${call.tool}: ${call.status}${call.attempts > 1 ? ` after ${call.attempts} attempts` : ''}`,
      ...(call.error === null ? {} : { detail: call.error }),
      status: call.status,
    });
  }
  if (TERMINAL.has(task.status)) {
    const text = resultText(task.result) ?? run?.task?.result ?? run?.run.state.error;
    entries.push({
      key: 'outcome',
      kind: 'outcome',
      at: task.updatedAt,
      title: `Task ${task.status}`,
      status: task.status,
      ...(text === undefined || text === null ? {} : { detail: text }),
    });
  }
  // Stable: entries at the same instant keep the order they were added in.
  return entries
    .map((entry, index) => ({ entry, index }))
    .sort((a, b) => a.entry.at.localeCompare(b.entry.at) || a.index - b.index)
    .map(({ entry }) => entry);
}
