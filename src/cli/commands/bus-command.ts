/**
 * @module `agentvisor bus tail [--agent A] [--type T] [-f]` (messages sent through the running
 * node's bus) and `agentvisor dlq list|show|replay|drop` (its dead-letter queue).
 */
import type { Command } from 'commander';
import { positiveInt, requiredReason } from '../arguments.js';
import { nodeOfCommand } from '../node-client.js';
import { type CliIo, colours, printFacts, printJson, printTable } from '../output.js';

interface TailedMessage {
  seq: number;
  message: {
    id: string;
    timestamp: string;
    source: string;
    target: string;
    type: string;
    priority: number;
    payload: { action: string; taskId?: string };
  };
}

interface DeadLetterView {
  id: string;
  consumer: string;
  reason: string;
  error: string;
  attempts: number;
  at?: string;
  deadLetteredAt?: string;
  message: TailedMessage['message'];
}

/** Registers `bus tail` and `dlq`. */
export function registerBusCommands(program: Command, io: CliIo): void {
  const bus = program.command('bus').description("the running node's message bus");
  bus
    .command('tail')
    .description('messages sent through the bus, oldest first; -f keeps following')
    .option('--agent <name>', 'only messages from or to this agent')
    .option('--type <type>', 'only this type (task, result, handoff, query, heartbeat, learn)')
    .option('-f, --follow', 'keep printing new messages (Ctrl-C to stop)')
    .action(async (opts: { agent?: string; type?: string; follow?: boolean }, cmd: Command) => {
      const { node, json } = nodeOfCommand(cmd);
      const c = colours(io);
      let after = 0;
      for (;;) {
        const query = new URLSearchParams({ after: String(after) });
        if (opts.agent !== undefined) query.set('agent', opts.agent);
        if (opts.type !== undefined) query.set('type', opts.type);
        const page = await node.get<{ messages: TailedMessage[]; last: number }>(
          `/v1/bus/messages?${query.toString()}`,
        );
        for (const { seq, message: m } of page.messages) {
          after = seq;
          if (json) io.out(JSON.stringify(m));
          else
            io.out(
              `${c.dim(m.timestamp.slice(11, 23))} ${m.type.padEnd(9)} p${m.priority} ${m.source} → ${m.target}: ${m.payload.action}`,
            );
        }
        if (opts.follow !== true) return;
        await new Promise((r) => setTimeout(r, 500));
      }
    });

  bus
    .command('send <action>')
    .description('send a message as the operator to agent:NAME, role:NAME or * (broadcast)')
    .requiredOption('--to <target>', 'agent:NAME, role:NAME or *')
    .option('--type <type>', 'task, result, handoff, query, heartbeat or learn', 'query')
    .option('--priority <n>', '1-10 (default 5)')
    .option('--task <id>', 'the task the message is about')
    .action(
      async (
        action: string,
        opts: { to: string; type: string; priority?: string; task?: string },
        cmd: Command,
      ) => {
        const { node, json } = nodeOfCommand(cmd);
        const priority = positiveInt('--priority', opts.priority);
        const sent = await node.send<TailedMessage['message']>('POST', '/v1/bus/messages', {
          target: opts.to,
          type: opts.type,
          ...(priority === undefined ? {} : { priority }),
          payload: { action, ...(opts.task === undefined ? {} : { taskId: opts.task }) },
        });
        if (json) printJson(io, sent);
        else io.out(`${sent.id}: ${sent.type} to ${sent.target}`);
      },
    );

  const dlq = program.command('dlq').description("the bus's dead-letter queue");
  dlq
    .command('list', { isDefault: true })
    .description('dead letters, with why each failed')
    .option('--limit <n>', 'at most N (default 100)')
    .action(async (opts: { limit?: string }, cmd: Command) => {
      const { node, json } = nodeOfCommand(cmd);
      const limit = positiveInt('--limit', opts.limit);
      const { deadLetters } = await node.get<{ deadLetters: DeadLetterView[] }>(
        `/v1/bus/dlq${limit === undefined ? '' : `?limit=${limit}`}`,
      );
      if (json) return printJson(io, deadLetters);
      if (deadLetters.length === 0) return io.out('the dead-letter queue is empty');
      printTable(
        io,
        ['id', 'consumer', 'type', 'attempts', 'reason', 'error'],
        deadLetters.map((d) => [
          d.id,
          d.consumer,
          d.message.type,
          d.attempts,
          d.reason,
          d.error.slice(0, 80),
        ]),
      );
    });
  dlq
    .command('show <id>')
    .description('one dead letter with its original message')
    .action(async (id: string, _opts: unknown, cmd: Command) => {
      const { node, json } = nodeOfCommand(cmd);
      const d = await node.get<DeadLetterView>(`/v1/bus/dlq/${encodeURIComponent(id)}`);
      if (json) return printJson(io, d);
      printFacts(io, [
        ['id', d.id],
        ['consumer', d.consumer],
        ['reason', d.reason],
        ['attempts', d.attempts],
        ['error', d.error],
        ['message', JSON.stringify(d.message)],
      ]);
    });
  for (const verb of ['replay', 'drop'] as const) {
    dlq
      .command(`${verb} <id>`)
      .description(
        verb === 'replay'
          ? 'send a dead letter again to its target'
          : 'remove a dead letter for good',
      )
      .option('--reason <text>', 'why (required; recorded in the ledger)')
      .action(async (id: string, opts: { reason?: string }, cmd: Command) => {
        const reason = requiredReason(`dlq ${verb}`, opts.reason);
        const { node, json } = nodeOfCommand(cmd);
        const result = await node.send<unknown>(
          'POST',
          `/v1/bus/dlq/${encodeURIComponent(id)}/${verb}`,
          {
            reason,
          },
        );
        if (json) printJson(io, result);
        else io.out(verb === 'replay' ? `${id}: sent again` : `${id}: dropped`);
      });
  }
}
