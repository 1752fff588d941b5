/**
 * @module Deliberation by a model with tool calling, through the `llm.complete` operation (so
 * every model call is rate limited, budgeted, metered and recorded like any other). A reply
 * with tool calls becomes a plan of tool actions; a reply without them finishes the goal with
 * its text as the outcome. A reply that cannot be used (arguments that are not a JSON object,
 * an empty reply) is retried once with a repair prompt naming the problem; a second bad reply is a
 * MODEL_OUTPUT_INVALID error, which the engine records as a failed thought.
 */
import { AgentvisorError } from '../../core/index.js';
import type { AgentGate } from '../runtime/agent-gate.js';
import type { Decision, DeliberationContext, PlannedAction } from './decision.js';
import type { Deliberator } from './deliberator.js';
import { fromWireToolName, toWireToolName } from './tool-names.js';

/** The slice of the gateway's chat types this strategy speaks. */
interface WireToolCall {
  id: string;
  name: string;
  arguments: string;
}
type WireMessage =
  | { role: 'system'; content: string }
  | { role: 'user'; content: { type: 'text'; text: string }[] }
  | { role: 'assistant'; content: string; toolCalls?: WireToolCall[] }
  | { role: 'tool'; toolCallId: string; name?: string; content: string; isError?: boolean };
interface CompletionResult {
  response: {
    content: string;
    toolCalls: readonly WireToolCall[];
    usage: { inputTokens: number; outputTokens: number };
  };
}

/** Options for {@link LlmDeliberator}. */
export interface LlmDeliberatorOptions {
  /** Upper bound on the model's answer (default 2048 tokens). */
  readonly maxTokens?: number;
  readonly temperature?: number;
}

/** See the module comment. */
export class LlmDeliberator implements Deliberator {
  readonly kind = 'llm';
  readonly #options: LlmDeliberatorOptions;

  constructor(options: LlmDeliberatorOptions = {}) {
    this.#options = options;
  }

  async deliberate(context: DeliberationContext, gate: AgentGate): Promise<Decision | undefined> {
    if (context.goal === undefined) return undefined;
    const model = context.agent.model;
    if (model === undefined) {
      throw new AgentvisorError(
        'CONFIG_INVALID',
        `agent ${context.agent.name} deliberates with a model but has no "model" alias configured`,
      );
    }
    const messages = buildMessages(context);
    const tools = context.tools.map((t) => ({
      name: toWireToolName(t.name),
      description: t.description,
      parameters: t.inputSchema,
    }));
    const known = new Set(context.tools.map((t) => t.name));
    let tokens = 0;
    for (let attempt = 1; attempt <= 2; attempt++) {
      const request = {
        model,
        messages,
        ...(tools.length > 0 ? { tools } : {}),
        maxTokens: this.#options.maxTokens ?? 2048,
        ...(this.#options.temperature === undefined
          ? {}
          : { temperature: this.#options.temperature }),
      };
      const { response } = await gate.call<CompletionResult>('llm.complete', {
        request,
        context: context.goal.taskId === null ? {} : { taskId: context.goal.taskId },
      });
      tokens += response.usage.inputTokens + response.usage.outputTokens;
      const parsed = parseReply(response.content, response.toolCalls);
      if (parsed.problems.length === 0) {
        return { thought: parsed.thought, actions: parsed.actions, tokens };
      }
      if (attempt === 2) {
        throw new AgentvisorError(
          'MODEL_OUTPUT_INVALID',
          `the model's reply could not be used after one repair attempt: ${parsed.problems.join('; ')}`,
          { details: { problems: parsed.problems } },
        );
      }
      messages.push(
        { role: 'assistant', content: response.content },
        {
          role: 'user',
          content: [
            {
              type: 'text',
              text:
                `Your previous reply could not be used: ${parsed.problems.join('; ')}. ` +
                `Reply again. Call only these tools: ${[...known].map(toWireToolName).join(', ') || '(none)'}; ` +
                "each call's arguments must be one JSON object matching the tool's schema. " +
                'If the goal is achieved, reply with the final answer as plain text and no tool calls.',
            },
          ],
        },
      );
    }
    /* c8 ignore next */
    throw new AgentvisorError('INTERNAL', 'unreachable');
  }
}

function parseReply(
  content: string,
  toolCalls: readonly WireToolCall[],
): { thought: string; actions: PlannedAction[]; problems: string[] } {
  const problems: string[] = [];
  const actions: PlannedAction[] = [];
  for (const call of toolCalls) {
    // A tool that was not offered is not repaired here: the call goes to the gate, which
    // denies it and records the attempt (an allowlist bypass must leave a trace).
    const tool = fromWireToolName(call.name);
    let args: unknown;
    try {
      args = call.arguments.trim() === '' ? {} : JSON.parse(call.arguments);
    } catch {
      problems.push(`arguments of ${call.name} are not valid JSON`);
      continue;
    }
    if (typeof args !== 'object' || args === null || Array.isArray(args)) {
      problems.push(`arguments of ${call.name} must be a JSON object`);
      continue;
    }
    actions.push({ kind: 'tool', tool, args: args as Record<string, unknown> });
  }
  if (toolCalls.length === 0) {
    if (content.trim() === '') problems.push('the reply was empty: no text and no tool calls');
    else actions.push({ kind: 'finish', outcome: content });
  }
  return { thought: content, actions, problems };
}

function buildMessages(context: DeliberationContext): WireMessage[] {
  const { agent, goal } = context;
  const directives = [...agent.constitution]
    .sort((a, b) => b.priority - a.priority)
    .map((d) => `- ${d.text}`)
    .join('\n');
  const system = [
    `You are ${agent.name}, a ${agent.role} agent.`,
    agent.description,
    directives === '' ? '' : `Your directives, most important first:\n${directives}`,
    'Work towards the goal with the tools offered. When the goal is achieved, reply with the ' +
      'result as plain text and no tool calls.',
  ]
    .filter((s) => s !== '')
    .join('\n\n');
  const parts: string[] = [];
  if (goal !== undefined) {
    parts.push(`Goal: ${goal.title}`);
    if (goal.description !== '') parts.push(goal.description);
    if (goal.successCriteria.length > 0) {
      parts.push(`Success criteria:\n${goal.successCriteria.map((c) => `- ${c}`).join('\n')}`);
    }
  }
  if (context.observations.length > 0) {
    parts.push(
      `New observations:\n${context.observations.map((o) => `- ${o.summary}`).join('\n')}`,
    );
  }
  if (context.memories.length > 0) {
    parts.push(
      `Relevant memory:\n${context.memories.map((m) => `- (${m.component}) ${m.content}`).join('\n')}`,
    );
  }
  const messages: WireMessage[] = [
    { role: 'system', content: system },
    { role: 'user', content: [{ type: 'text', text: parts.join('\n\n') }] },
  ];
  for (const turn of context.transcript) {
    if (turn.calls.length === 0) continue;
    messages.push({
      role: 'assistant',
      content: turn.thought,
      toolCalls: turn.calls.map((c) => ({
        id: c.key,
        name: toWireToolName(c.tool),
        arguments: c.args,
      })),
    });
    for (const c of turn.calls) {
      messages.push({
        role: 'tool',
        toolCallId: c.key,
        name: toWireToolName(c.tool),
        content: c.output,
        ...(c.ok ? {} : { isError: true }),
      });
    }
  }
  return messages;
}
