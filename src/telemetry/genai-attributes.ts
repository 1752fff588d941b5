/**
 * @module Attribute names of the OpenTelemetry GenAI semantic conventions (gen_ai.*), spelled
 * out here rather than imported from the incubating semconv entry point, which is not a
 * dependency and renames things between releases. `gen_ai.system` is the older name of
 * `gen_ai.provider.name`; spans carry both so backends on either convention read them.
 */

/** GenAI semantic-convention attribute names used on Agentvisor spans. */
export const GEN_AI = {
  system: 'gen_ai.system',
  providerName: 'gen_ai.provider.name',
  operationName: 'gen_ai.operation.name',
  requestModel: 'gen_ai.request.model',
  responseModel: 'gen_ai.response.model',
  inputTokens: 'gen_ai.usage.input_tokens',
  outputTokens: 'gen_ai.usage.output_tokens',
  agentId: 'gen_ai.agent.id',
  agentName: 'gen_ai.agent.name',
  responseFinishReasons: 'gen_ai.response.finish_reasons',
} as const;

/** Agentvisor's own span attributes (no convention covers a kernel operation or a beat). */
export const AGENTVISOR_ATTR = {
  beatNumber: 'agentvisor.beat.number',
  operation: 'agentvisor.op.name',
  actor: 'agentvisor.actor',
  outcome: 'agentvisor.op.outcome',
  code: 'agentvisor.op.code',
} as const;
