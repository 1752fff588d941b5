/**
 * Tracing: GenAI attributes and span names on beat, op and model call spans, parent links, and
 * a disabled tracer that records nothing.
 */
import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { InMemorySpanExporter } from '@opentelemetry/sdk-trace-base';
import { describe, expect, it } from 'vitest';
import { Tracing } from '../../../src/telemetry/index.js';

describe('Tracing', () => {
  it('does nothing when no endpoint is configured', async () => {
    const tracing = Tracing.fromConfig({ service_name: 'x' });
    expect(tracing.enabled).toBe(false);
    const beat = tracing.beatSpan('planner', 1);
    const call = tracing.modelCallSpan({ system: 'openai', model: 'm', operation: 'chat' }, beat);
    expect(beat.isRecording()).toBe(false);
    expect(call).toBe(beat);
    tracing.recordModelUsage(call, { inputTokens: 1, outputTokens: 1 });
    tracing.endOp(tracing.opSpan('fs.read', 'agent:a1'), 'ok');
    await tracing.shutdown();
  });

  it('records beat, op and model call spans with GenAI attributes', async () => {
    const exporter = new InMemorySpanExporter();
    const tracing = Tracing.withExporter(exporter, 'agentvisor-test');
    expect(tracing.enabled).toBe(true);
    const beat = tracing.beatSpan({ id: 'a1', name: 'planner' }, 7);
    const op = tracing.opSpan('fs.read', 'agent:a1', beat);
    tracing.endOp(op, 'denied', 'POLICY_DENIED');
    const call = tracing.modelCallSpan(
      { system: 'anthropic', model: 'claude-x', operation: 'chat' },
      beat,
    );
    tracing.recordModelUsage(call, {
      inputTokens: 812,
      outputTokens: 97,
      responseModel: 'claude-x-2025',
      finishReasons: ['stop'],
    });
    call.end();
    beat.end();
    await tracing.forceFlush();
    const spans = exporter.getFinishedSpans();
    const byName = new Map(spans.map((s) => [s.name, s]));
    expect([...byName.keys()].sort()).toEqual([
      'chat claude-x',
      'invoke_agent planner',
      'op fs.read',
    ]);
    const beatSpan = byName.get('invoke_agent planner');
    expect(beatSpan?.attributes).toMatchObject({
      'gen_ai.operation.name': 'invoke_agent',
      'gen_ai.agent.name': 'planner',
      'gen_ai.agent.id': 'a1',
      'agentvisor.beat.number': 7,
    });
    const modelSpan = byName.get('chat claude-x');
    expect(modelSpan?.kind).toBe(SpanKind.CLIENT);
    expect(modelSpan?.attributes).toMatchObject({
      'gen_ai.operation.name': 'chat',
      'gen_ai.provider.name': 'anthropic',
      'gen_ai.system': 'anthropic',
      'gen_ai.request.model': 'claude-x',
      'gen_ai.response.model': 'claude-x-2025',
      'gen_ai.usage.input_tokens': 812,
      'gen_ai.usage.output_tokens': 97,
      'gen_ai.response.finish_reasons': ['stop'],
    });
    const opSpan = byName.get('op fs.read');
    expect(opSpan?.status.code).toBe(SpanStatusCode.ERROR);
    expect(opSpan?.attributes).toMatchObject({
      'agentvisor.op.outcome': 'denied',
      'agentvisor.op.code': 'POLICY_DENIED',
    });
    const beatId = beatSpan?.spanContext().spanId;
    expect(opSpan?.parentSpanContext?.spanId).toBe(beatId);
    expect(modelSpan?.parentSpanContext?.spanId).toBe(beatId);
    expect(modelSpan?.spanContext().traceId).toBe(beatSpan?.spanContext().traceId);
    expect(beatSpan?.resource.attributes['service.name']).toBe('agentvisor-test');
    await tracing.shutdown();
  });
});
