/**
 * Spans reach a real OTLP/HTTP endpoint: a local server on 127.0.0.1 receives the exporter's
 * POST to /v1/traces after `forceFlush()` and `shutdown()`, with every span and its GenAI
 * attributes.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Tracing } from '../../../src/telemetry/index.js';

interface Received {
  path: string;
  contentType: string;
  body: Buffer;
}

interface OtlpAttribute {
  key: string;
  value: { stringValue?: string; intValue?: number | string };
}

interface OtlpSpan {
  name: string;
  attributes: OtlpAttribute[];
}

function spansOf(body: Buffer): OtlpSpan[] {
  const doc = JSON.parse(body.toString('utf8')) as {
    resourceSpans: Array<{ scopeSpans: Array<{ spans: OtlpSpan[] }> }>;
  };
  return doc.resourceSpans.flatMap((r) => r.scopeSpans.flatMap((s) => s.spans));
}

function attributes(span: OtlpSpan): Record<string, string | number> {
  const out: Record<string, string | number> = {};
  for (const a of span.attributes) out[a.key] = a.value.stringValue ?? Number(a.value.intValue);
  return out;
}

describe('OTLP/HTTP export', () => {
  const received: Received[] = [];
  let server: Server;
  let endpoint: string;

  beforeAll(async () => {
    server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        received.push({
          path: req.url ?? '',
          contentType: String(req.headers['content-type']),
          body: Buffer.concat(chunks),
        });
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end('{}');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it('delivers beat, op and model call spans to /v1/traces', async () => {
    // A bare origin: the exporter's path is filled in.
    const tracing = Tracing.fromConfig({ otlp_endpoint: endpoint, service_name: 'av-otlp-test' });
    const beat = tracing.beatSpan({ id: 'a1', name: 'planner' }, 3);
    tracing.endOp(tracing.opSpan('memory.write', 'agent:a1', beat), 'ok');
    const call = tracing.modelCallSpan(
      { system: 'openai', model: 'gpt-x', operation: 'embeddings' },
      beat,
    );
    tracing.recordModelUsage(call, { inputTokens: 64, outputTokens: 0, responseModel: 'gpt-x-1' });
    call.end();
    beat.end();
    await tracing.forceFlush();
    await tracing.shutdown();

    expect(received.length).toBeGreaterThanOrEqual(1);
    expect(received.every((r) => r.path === '/v1/traces')).toBe(true);
    expect(received[0]?.contentType).toMatch(/^application\/json/);
    const spans = received.flatMap((r) => spansOf(r.body));
    expect(spans).toHaveLength(3);
    const model = spans.find((s) => s.name === 'embeddings gpt-x');
    expect(model && attributes(model)).toMatchObject({
      'gen_ai.operation.name': 'embeddings',
      'gen_ai.provider.name': 'openai',
      'gen_ai.system': 'openai',
      'gen_ai.request.model': 'gpt-x',
      'gen_ai.response.model': 'gpt-x-1',
      'gen_ai.usage.input_tokens': 64,
      'gen_ai.usage.output_tokens': 0,
    });
    const beatSpan = spans.find((s) => s.name === 'invoke_agent planner');
    expect(beatSpan && attributes(beatSpan)).toMatchObject({
      'gen_ai.agent.name': 'planner',
      'agentvisor.beat.number': 3,
    });
    const doc = JSON.parse(received[0]?.body.toString('utf8') ?? '{}') as {
      resourceSpans: Array<{ resource: { attributes: OtlpAttribute[] } }>;
    };
    const resource = doc.resourceSpans[0]?.resource.attributes.find(
      (a) => a.key === 'service.name',
    );
    expect(resource?.value.stringValue).toBe('av-otlp-test');
  });
});
