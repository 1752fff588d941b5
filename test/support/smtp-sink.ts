/**
 * @module A local SMTP sink for tests: a TCP server on loopback speaking just enough SMTP (RFC
 * 5321: greeting, EHLO/HELO, AUTH PLAIN and LOGIN, MAIL, RCPT, DATA with dot-unstuffing, RSET,
 * NOOP, QUIT) to accept mail from a real client and keep each message for the test. No TLS, no
 * relaying, nothing leaves the machine.
 */
import { type AddressInfo, createServer, type Server, type Socket } from 'node:net';

/** One accepted message. */
export interface SinkMessage {
  readonly from: string;
  readonly to: readonly string[];
  /** The raw message (headers and body) as sent after DATA. */
  readonly data: string;
  /** The credentials the client authenticated with, if any. */
  readonly auth?: { readonly user: string; readonly password: string };
}

/** A running sink. */
export interface SmtpSink {
  readonly host: string;
  readonly port: number;
  readonly messages: SinkMessage[];
  /** Resolves once `count` messages arrived (rejects after `timeoutMs`). */
  waitFor(count: number, timeoutMs?: number): Promise<SinkMessage[]>;
  close(): Promise<void>;
}

function decode(b64: string): string {
  return Buffer.from(b64, 'base64').toString('utf8');
}

/** Starts a sink on an ephemeral loopback port. */
export async function startSmtpSink(): Promise<SmtpSink> {
  const messages: SinkMessage[] = [];
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {});
    const reply = (line: string) => socket.write(`${line}\r\n`);
    let buffer = '';
    let mode: 'command' | 'data' | 'auth-user' | 'auth-pass' = 'command';
    let from = '';
    let to: string[] = [];
    let data: string[] = [];
    let auth: { user: string; password: string } | undefined;
    let pendingUser = '';
    reply('220 sink.test ESMTP ready');
    socket.on('data', (chunk: Buffer) => {
      buffer += chunk.toString('utf8');
      let at = buffer.indexOf('\r\n');
      while (at >= 0) {
        const line = buffer.slice(0, at);
        buffer = buffer.slice(at + 2);
        at = buffer.indexOf('\r\n');
        if (mode === 'data') {
          if (line === '.') {
            messages.push({
              from,
              to,
              data: data.join('\r\n'),
              ...(auth === undefined ? {} : { auth }),
            });
            data = [];
            mode = 'command';
            reply('250 2.0.0 queued');
          } else {
            data.push(line.startsWith('..') ? line.slice(1) : line);
          }
          continue;
        }
        if (mode === 'auth-user') {
          pendingUser = decode(line);
          mode = 'auth-pass';
          reply('334 UGFzc3dvcmQ6');
          continue;
        }
        if (mode === 'auth-pass') {
          auth = { user: pendingUser, password: decode(line) };
          mode = 'command';
          reply('235 2.7.0 authenticated');
          continue;
        }
        const [verb = '', ...rest] = line.split(' ');
        const arg = rest.join(' ');
        switch (verb.toUpperCase()) {
          case 'EHLO':
            socket.write(
              '250-sink.test\r\n250-AUTH PLAIN LOGIN\r\n250-8BITMIME\r\n250 SMTPUTF8\r\n',
            );
            break;
          case 'HELO':
            reply('250 sink.test');
            break;
          case 'AUTH': {
            const [method = '', initial] = arg.split(' ');
            if (method.toUpperCase() === 'PLAIN' && initial !== undefined) {
              const [, user = '', password = ''] = decode(initial).split('\u0000');
              auth = { user, password };
              reply('235 2.7.0 authenticated');
            } else if (method.toUpperCase() === 'LOGIN') {
              if (initial !== undefined) {
                pendingUser = decode(initial);
                mode = 'auth-pass';
                reply('334 UGFzc3dvcmQ6');
              } else {
                mode = 'auth-user';
                reply('334 VXNlcm5hbWU6');
              }
            } else {
              reply('504 5.5.4 unrecognised authentication type');
            }
            break;
          }
          case 'MAIL':
            from = /<([^>]*)>/.exec(arg)?.[1] ?? '';
            to = [];
            reply('250 2.1.0 ok');
            break;
          case 'RCPT':
            to.push(/<([^>]*)>/.exec(arg)?.[1] ?? '');
            reply('250 2.1.5 ok');
            break;
          case 'DATA':
            mode = 'data';
            reply('354 end data with <CR><LF>.<CR><LF>');
            break;
          case 'RSET':
            from = '';
            to = [];
            reply('250 2.0.0 ok');
            break;
          case 'NOOP':
            reply('250 2.0.0 ok');
            break;
          case 'QUIT':
            reply('221 2.0.0 bye');
            socket.end();
            break;
          default:
            reply('502 5.5.2 command not implemented');
        }
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    host: '127.0.0.1',
    port,
    messages,
    async waitFor(count: number, timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      while (messages.length < count) {
        if (Date.now() > deadline)
          throw new Error(`SMTP sink got ${messages.length} of ${count} messages`);
        await new Promise((r) => setTimeout(r, 20));
      }
      return messages.slice(0, count);
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
