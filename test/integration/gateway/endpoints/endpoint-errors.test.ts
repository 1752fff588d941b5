/**
 * Failure handling of the gateway endpoints, seen by real clients: every bad input gets the
 * caller's error format with the status from the central error map (400, 401, 404, 413, 429
 * with Retry-After, 502, 503), a stream failing midway ends with an explicit error, a client that
 * disconnects does not wedge its stream, and the server keeps serving after each of these.
 */

import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listEntries } from '../../../../src/ledger/index.js';
import { type StubProvider, startStubProvider } from '../../../support/stub-provider.js';
import { type EndpointHarness, postRaw, startEndpoint } from './harness.js';

async function openAIError(
  promise: Promise<unknown>,
): Promise<InstanceType<typeof OpenAI.APIError>> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(OpenAI.APIError);
  return error as InstanceType<typeof OpenAI.APIError>;
}

const hello: OpenAI.ChatCompletionCreateParamsNonStreaming = {
  model: 'fast',
  messages: [{ role: 'user', content: 'hello' }],
};

describe('gateway endpoint errors (OpenAI format)', () => {
  let h: EndpointHarness;
  let client: OpenAI;

  beforeAll(async () => {
    h = await startEndpoint();
    client = new OpenAI({ apiKey: h.secret, baseURL: `${h.baseUrl}/v1`, maxRetries: 0 });
  });
  afterAll(async () => {
    await h?.close();
  });

  it('rejects invalid JSON with 400 in OpenAI format', async () => {
    const res = await postRaw(h, '/v1/chat/completions', '{"model": "fast", "messages": [');
    expect(res.status).toBe(400);
    const body = (await res.json()) as { error: Record<string, unknown> };
    expect(body.error).toMatchObject({
      type: 'invalid_request_error',
      code: 'INPUT_INVALID',
      param: null,
    });
    expect(body.error['message']).toEqual(expect.any(String));
    expect(res.headers.get('x-request-id')).toBeTruthy();
  });

  it('rejects an unknown model with 404', async () => {
    const error = await openAIError(client.chat.completions.create({ ...hello, model: 'gpt-99' }));
    expect(error.status).toBe(404);
    expect(error.code).toBe('MODEL_UNKNOWN');
    expect(error.message).toContain('gpt-99');
  });

  it('rejects empty messages with 400 naming the field', async () => {
    const error = await openAIError(
      client.chat.completions.create({ model: 'fast', messages: [] }),
    );
    expect(error.status).toBe(400);
    expect(error.type).toBe('invalid_request_error');
    expect(error.message).toContain('messages');
  });

  it('rejects a body over max_body_bytes with 413', async () => {
    const error = await openAIError(
      client.chat.completions.create({
        model: 'fast',
        messages: [{ role: 'user', content: 'x'.repeat(100 * 1024) }],
      }),
    );
    expect(error.status).toBe(413);
    expect(error.code).toBe('PAYLOAD_TOO_LARGE');
  });

  it('rejects missing, unknown and revoked keys with 401', async () => {
    const bad = new OpenAI({ apiKey: 'avk_wrong', baseURL: `${h.baseUrl}/v1`, maxRetries: 0 });
    const unknown = await openAIError(bad.chat.completions.create(hello));
    expect(unknown.status).toBe(401);
    expect(unknown.type).toBe('authentication_error');

    const missing = await fetch(`${h.baseUrl}/v1/models`);
    expect(missing.status).toBe(401);
    expect(await missing.json()).toMatchObject({ error: { type: 'authentication_error' } });

    const { secret } = await h.system.apiKeys.create({
      name: 'short-lived',
      createdBy: 'human:test',
    });
    const shortLived = new OpenAI({ apiKey: secret, baseURL: `${h.baseUrl}/v1`, maxRetries: 0 });
    await expect(shortLived.chat.completions.create(hello)).resolves.toMatchObject({
      object: 'chat.completion',
    });
    await h.system.apiKeys.revoke('short-lived');
    const revoked = await openAIError(shortLived.chat.completions.create(hello));
    expect(revoked.status).toBe(401);
  });

  it('answers 502 when every provider fails', async () => {
    // Two attempts at each of the two providers.
    h.stub.script(
      { kind: 'status', status: 500 },
      { kind: 'status', status: 500 },
      { kind: 'status', status: 503 },
      { kind: 'status', status: 503 },
    );
    const error = await openAIError(client.chat.completions.create(hello));
    expect(error.status).toBe(502);
    expect(error.code).toBe('UPSTREAM_FAILED');
    expect(error.type).toBe('server_error');
  });

  it('ends a stream that fails midway with an error the SDK raises', async () => {
    h.stub.script({ kind: 'truncate' });
    const stream = await client.chat.completions.create({ ...hello, stream: true });
    const seen: string[] = [];
    const error = await openAIError(
      (async () => {
        for await (const chunk of stream) seen.push(chunk.choices[0]?.delta.content ?? '');
      })(),
    );
    // Some text arrived before the failure, and the failure was not a normal end.
    expect(seen.join('')).not.toBe('');
    expect(error.message).toContain('stream');
  });

  it('keeps a stream whose client went away from wedging, and records its end', async () => {
    const completed = async () =>
      (await listEntries(h.system.store, { type: 'llm.stream_completed', limit: 1000 })).length;
    const before = await completed();
    // The provider answers late: the client is gone before the stream opens.
    h.stub.script({ kind: 'delay', ms: 300, response: { kind: 'text', text: 'too late' } });
    const controller = new AbortController();
    const pending = fetch(`${h.baseUrl}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${h.secret}` },
      body: JSON.stringify({ ...hello, stream: true }),
      signal: controller.signal,
    });
    setTimeout(() => controller.abort(), 50);
    await expect(pending).rejects.toThrow();
    // The gateway's stream still runs to its end and is accounted for.
    await expect.poll(completed, { timeout: 10_000, interval: 50 }).toBe(before + 1);
  });

  it('still serves normal calls after all of the above', async () => {
    h.stub.script({ kind: 'text', text: 'all good' });
    const ok = await client.chat.completions.create(hello);
    expect(ok.choices[0]?.message.content).toBe('all good');
  });
});

describe('gateway endpoint limits and unavailable providers', () => {
  let stub: StubProvider;

  beforeAll(async () => {
    stub = await startStubProvider();
  });
  afterAll(async () => {
    await stub?.close();
  });

  it('answers 429 with Retry-After once the key is over its rate', async () => {
    const h = await startEndpoint({ rate_limits: { burst: 2, refill_per_second: 0.001 } }, stub);
    try {
      const client = new OpenAI({ apiKey: h.secret, baseURL: `${h.baseUrl}/v1`, maxRetries: 0 });
      await client.chat.completions.create(hello);
      await client.chat.completions.create(hello);
      const error = await openAIError(client.chat.completions.create(hello));
      expect(error.status).toBe(429);
      expect(error.type).toBe('rate_limit_error');
      const retryAfter = Number(error.headers?.get('retry-after'));
      expect(Number.isInteger(retryAfter)).toBe(true);
      expect(retryAfter).toBeGreaterThanOrEqual(1);

      // The Anthropic format says the same in its own shape.
      const res = await fetch(`${h.baseUrl}/v1/messages`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-api-key': h.secret },
        body: JSON.stringify({
          model: 'fast',
          max_tokens: 5,
          messages: [{ role: 'user', content: 'x' }],
        }),
      });
      expect(res.status).toBe(429);
      expect(res.headers.get('retry-after')).toBe(String(retryAfter));
      expect(await res.json()).toMatchObject({
        type: 'error',
        error: { type: 'rate_limit_error' },
      });

      // A refused call is a refusal for this key, not a broken server.
      const health = await fetch(`${h.baseUrl}/health/live`);
      expect(health.status).toBe(200);
    } finally {
      await h.close();
    }
  });

  it('answers 503 (Anthropic: overloaded_error) once every circuit is open', async () => {
    const h = await startEndpoint(
      {
        retry: { max_attempts: 1, initial_delay_ms: 1, max_delay_ms: 5 },
        circuit_breaker: { failure_threshold: 1, half_open_after_ms: 60_000 },
      },
      stub,
    );
    try {
      const headers = { 'content-type': 'application/json', 'x-api-key': h.secret };
      const body = JSON.stringify({
        model: 'fast',
        max_tokens: 5,
        messages: [{ role: 'user', content: 'x' }],
      });
      stub.script({ kind: 'status', status: 500 }, { kind: 'status', status: 500 });
      const failed = await fetch(`${h.baseUrl}/v1/messages`, { method: 'POST', headers, body });
      expect(failed.status).toBe(502);
      expect(await failed.json()).toMatchObject({ type: 'error', error: { type: 'api_error' } });
      const sentBefore = stub.requests.length;
      const unavailable = await fetch(`${h.baseUrl}/v1/messages`, {
        method: 'POST',
        headers,
        body,
      });
      expect(unavailable.status).toBe(503);
      expect(await unavailable.json()).toMatchObject({
        type: 'error',
        error: { type: 'overloaded_error' },
      });
      // Nothing was sent to the providers while their circuits were open.
      expect(stub.requests.length).toBe(sentBefore);
    } finally {
      await h.close();
    }
  });
});
