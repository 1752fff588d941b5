/**
 * A running system with `telemetry.otlp_endpoint` set exports OpenTelemetry spans to a local
 * OTLP/HTTP receiver: one per kernel operation, one per model call with GenAI attributes
 * (provider, model, token usage), and one per agent beat (`invoke_agent`).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAgents } from '../daemon/runtime/harness.js';

interface OtlpSpan {
  name: string;
  attributes: { key: string; value: { stringValue?: string; intValue?: number | string } }[];
}

describe('traces from a running system', () => {
  const bodies: Buffer[] = [];
  let server: Server;
  let endpoint: string;
  beforeAll(async () => {
    server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        bodies.push(Buffer.concat(chunks));
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end('{}');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('exports op, model-call and beat spans with GenAI attributes', async () => {
    const h = await startAgents(() => ({
      agents: [{ name: 'writer', model: 'smart' }],
      telemetry: { otlp_endpoint: endpoint, service_name: 'agentvisor-test' },
    }));
    try {
      h.stub.script({ kind: 'text', text: 'done', usage: { input: 40, output: 7 } });
      await h.system.kernel.call(h.operator, 'task.submit', { agent: 'writer', title: 'Say hi' });
      const { daemon } = await h.system.agents.spawn('writer');
      await daemon.runUntilIdle(3);
    } finally {
      await h.close();
    }
    const spans = bodies.flatMap((b) => {
      const doc = JSON.parse(b.toString('utf8')) as {
        resourceSpans: { scopeSpans: { spans: OtlpSpan[] }[] }[];
      };
      return doc.resourceSpans.flatMap((r) => r.scopeSpans.flatMap((s) => s.spans));
    });
    const names = spans.map((s) => s.name);
    expect(names).toContain('op task.submit');
    expect(names).toContain('op llm.complete');
    expect(names).toContain('invoke_agent writer');
    const model = spans.find((s) => s.name === 'chat gpt-4o-mini');
    const attrs = Object.fromEntries(
      (model?.attributes ?? []).map((a) => [
        a.key,
        a.value.stringValue ?? Number(a.value.intValue),
      ]),
    );
    expect(attrs).toMatchObject({
      'gen_ai.operation.name': 'chat',
      'gen_ai.request.model': 'gpt-4o-mini',
      'gen_ai.usage.input_tokens': 40,
      'gen_ai.usage.output_tokens': 7,
    });
  });
});
