/**
 * @module A zero-latency model for the framework comparison: an OpenAI Chat Completions server
 * that answers a conversation ending in a user message with one call of the `echo` tool, and a
 * conversation ending in a tool result with a final text. Stateless, so every framework gets
 * exactly the same two answers per turn.
 */
import { createServer, type Server } from 'node:http';

const usage = { prompt_tokens: 12, completion_tokens: 4, total_tokens: 16 };

function answer(messages: { role: string }[], model: string): string {
  const last = messages.at(-1)?.role;
  const message =
    last === 'tool'
      ? { role: 'assistant', content: 'done' }
      : {
          role: 'assistant',
          content: null,
          tool_calls: [
            {
              id: `call_${Math.random().toString(36).slice(2, 10)}`,
              type: 'function',
              function: { name: 'echo', arguments: '{"text":"hi"}' },
            },
          ],
        };
  // Unique ids matter: LangGraph merges messages that share an id.
  return JSON.stringify({
    id: `chatcmpl-${Math.random().toString(36).slice(2, 12)}`,
    object: 'chat.completion',
    created: 1_700_000_000,
    model,
    choices: [
      { index: 0, message, finish_reason: last === 'tool' ? 'stop' : 'tool_calls', logprobs: null },
    ],
    usage,
  });
}

/** Starts the stub on an ephemeral loopback port; resolves to its base URL (`…/v1`). */
export async function startTurnStub(): Promise<{
  baseUrl: string;
  requests(): number;
  close(): Promise<void>;
}> {
  let count = 0;
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      count++;
      const body = JSON.parse(Buffer.concat(chunks).toString() || '{}') as {
        messages?: { role: string }[];
        model?: string;
      };
      const out = answer(body.messages ?? [], body.model ?? 'stub');
      res.writeHead(200, {
        'content-type': 'application/json',
        'content-length': Buffer.byteLength(out),
      });
      res.end(out);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no address');
  return {
    baseUrl: `http://127.0.0.1:${address.port}/v1`,
    requests: () => count,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
