/**
 * @module A reverse proxy in front of a test server (the stub model provider) that holds the
 * requests a test names until the test lets them through. A test can then act while an agent
 * waits on its model call (approve an escalation, watch an answer stream in) at a point the test
 * chooses, not after a timer.
 */
import { createServer, request } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/** Requests held by one {@link GatedProxy.hold}. */
export interface Gate {
  /** How many requests arrived and are (or were) held by this gate. */
  readonly held: number;
  /** Lets every held request through, and every later one. */
  release(): void;
}

/** A running proxy; see {@link startGatedProxy}. */
export interface GatedProxy {
  /** `http://127.0.0.1:<port>`; paths are passed through unchanged. */
  readonly url: string;
  /** Holds requests whose raw body satisfies `match` until the gate is released. */
  hold(match: (body: string) => boolean): Gate;
  /** Closes the proxy and every open connection; held requests are dropped, not forwarded. */
  close(): Promise<void>;
}

interface OpenGate {
  readonly match: (body: string) => boolean;
  readonly opened: Promise<void>;
  held: number;
  released: boolean;
}

/**
 * Starts a proxy on 127.0.0.1 with an ephemeral port that forwards to `target`.
 *
 * @example
 * const proxy = await startGatedProxy(stub.url);
 * const gate = proxy.hold((body) => body.includes('You are tester'));
 * // ... the tester's model call waits here ...
 * gate.release();
 */
export async function startGatedProxy(target: string): Promise<GatedProxy> {
  const upstream = new URL(target);
  const gates: OpenGate[] = [];
  const releases = new Map<OpenGate, () => void>();
  const sockets = new Set<Socket>();

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const text = body.toString('utf8');
      const gate = gates.find((g) => !g.released && g.match(text));
      if (gate !== undefined) gate.held++;
      const forward = () => {
        const outgoing = request(
          new URL(req.url ?? '/', upstream),
          { method: req.method, headers: { ...req.headers, host: upstream.host } },
          (answer) => {
            res.writeHead(answer.statusCode ?? 502, answer.headers);
            answer.pipe(res);
          },
        );
        outgoing.on('error', () => res.destroy());
        outgoing.end(body);
      };
      if (gate === undefined) forward();
      else void gate.opened.then(forward);
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    hold(match) {
      let open!: () => void;
      const gate: OpenGate = {
        match,
        opened: new Promise<void>((resolve) => {
          open = resolve;
        }),
        held: 0,
        released: false,
      };
      gates.push(gate);
      releases.set(gate, open);
      return {
        get held() {
          return gate.held;
        },
        release() {
          gate.released = true;
          releases.get(gate)?.();
        },
      };
    },
    async close() {
      // Held requests are dropped with their connections, never forwarded.
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
