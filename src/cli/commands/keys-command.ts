/** @module `agentvisor keys ...`: list, rotate and export the ledger's signing keys. */
import { writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import {
  type ExportedKeys,
  formatVerifierKey,
  NOTE_ALG_ED25519,
  NOTE_ALG_UNIDENTIFIED,
} from '../../ledger/index.js';
import { type GlobalOptions, withSystem } from '../context.js';
import { type CliIo, colours, printJson, printTable } from '../output.js';

/** Registers `keys` and its verbs. */
export function registerKeysCommand(program: Command, io: CliIo): void {
  const keys = program.command('keys').description('ledger signing keys');
  const c = colours(io);

  keys
    .command('list')
    .description('list signing keys (public parts only)')
    .action(async (_opts: unknown, cmd: Command) => {
      const g = cmd.optsWithGlobals<GlobalOptions>();
      await withSystem(g, async (system) => {
        const list = await system.keyring.publicKeys();
        const active = system.ledger.keyId;
        if (g.json === true) {
          printJson(
            io,
            list.map((k) => ({
              key_id: k.keyId,
              algorithm: k.algorithm,
              created_at: k.createdAt,
              retired_at: k.retiredAt,
              active: k.keyId === active,
            })),
          );
        } else {
          printTable(
            io,
            ['key id', 'algorithm', 'created', 'retired', ''],
            list.map((k) => [
              k.keyId,
              k.algorithm,
              k.createdAt,
              k.retiredAt ?? '',
              k.keyId === active ? c.ok('active') : '',
            ]),
          );
        }
      });
    });

  keys
    .command('rotate')
    .description('replace the signing key; the rotation entry is signed by the outgoing key')
    .option('--reason <text>', 'why, for the record', '')
    .action(async (opts: { reason: string }, cmd: Command) => {
      const g = cmd.optsWithGlobals<GlobalOptions>();
      await withSystem(
        g,
        async (system, operator) => {
          const { result } = await system.kernel.call<{
            previousKeyId: string;
            keyId: string;
            seq: number;
          }>(operator, 'keys.rotate', { reason: opts.reason });
          if (g.json === true)
            printJson(io, {
              previous_key_id: result.previousKeyId,
              key_id: result.keyId,
              seq: result.seq,
            });
          else
            io.out(
              `rotated ${result.previousKeyId} -> ${c.ok(result.keyId)} (entry ${result.seq})`,
            );
        },
        { writes: true },
      );
    });

  keys
    .command('export')
    .description('export public keys for third-party verification (agentvisor-keys/1 JSON)')
    .option('-o, --output <file>', 'write to a file instead of stdout')
    .action(async (opts: { output?: string }, cmd: Command) => {
      const g = cmd.optsWithGlobals<GlobalOptions>();
      const doc = await withSystem(g, async (system): Promise<ExportedKeys> => {
        const origin = system.config.ledger.origin;
        const list = await system.keyring.publicKeys();
        return {
          format: 'agentvisor-keys/1',
          origin,
          keys: list.map((k) => ({
            key_id: k.keyId,
            algorithm: k.algorithm,
            public_key: Buffer.from(k.publicKey).toString('base64'),
            created_at: k.createdAt,
            retired_at: k.retiredAt,
            note_verifier_key: formatVerifierKey(
              origin,
              k.publicKey,
              k.algorithm === 'ed25519' ? NOTE_ALG_ED25519 : NOTE_ALG_UNIDENTIFIED,
            ),
          })),
        };
      });
      const text = `${JSON.stringify(doc, null, 2)}\n`;
      if (opts.output === undefined) io.out(text);
      else {
        writeFileSync(opts.output, text, { mode: 0o644 });
        io.err(`exported ${doc.keys.length} public keys to ${opts.output}`);
      }
    });
}
