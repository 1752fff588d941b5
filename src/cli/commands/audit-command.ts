/**
 * @module `agentvisor audit ...`: append, verify, show, tail, proof, consistency, export and
 * checkpoint. The `--json` forms are scriptable contracts: their shapes and exit codes (0 intact,
 * 3 tampered, 2 usage error) do not change without a major version.
 */

import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import cliProgress from 'cli-progress';
import type { Command } from 'commander';
import { AgentvisorError, EXIT_TAMPERED } from '../../core/index.js';
import {
  type AnchorProofReport,
  exportEntries,
  firstAnchorProofFinding,
  getEntry,
  type LedgerEntry,
  listEntries,
  parseCanonicalPayload,
  proveConsistency,
  proveInclusion,
  verifyAnchorProofs,
  verifyLedger,
} from '../../ledger/index.js';
import { positiveInt, requiredPositiveInt } from '../arguments.js';
import { type GlobalOptions, withSystem } from '../context.js';
import { type CliIo, colours, printFacts, printJson, printTable } from '../output.js';

/** Registers `audit` and its verbs. */
export function registerAuditCommand(program: Command, io: CliIo): void {
  const audit = program.command('audit').description('the signed, tamper-evident ledger');
  const c = colours(io);

  audit
    .command('append')
    .description('append an operator annotation (goes through the kernel gate)')
    .requiredOption('--type <type>', 'entry type, lower-case dotted words, e.g. operator.note')
    .requiredOption('--actor <actor>', 'who is writing (recorded as human:<actor>)')
    .requiredOption('--payload <json>', 'JSON payload')
    .option('--subject <subject>', 'what the entry is about', '')
    .action(
      async (
        opts: { type: string; actor: string; payload: string; subject: string },
        cmd: Command,
      ) => {
        const g = cmd.optsWithGlobals<GlobalOptions>();
        await withSystem(
          g,
          async (system, operator) => {
            const { value } = parseCanonicalPayload(
              opts.payload,
              system.config.ledger.max_payload_bytes,
            );
            const { result } = await system.kernel.call<{
              seq: number;
              id: string;
              entry_hash: string;
            }>(operator, 'ledger.annotate', {
              type: opts.type,
              subject: opts.subject,
              payload: value,
            });
            if (g.json === true)
              printJson(io, { seq: result.seq, id: result.id, entry_hash: result.entry_hash });
            else io.out(`appended seq ${result.seq} ${c.dim(result.entry_hash)}`);
          },
          { operatorName: opts.actor, writes: true },
        );
      },
    );

  audit
    .command('verify')
    .description(
      'recompute hashes, links, signatures, checkpoints and anchors; exit 0 intact, 3 tampered',
    )
    .option('--from <n>', 'first seq to check')
    .option('--to <m>', 'last seq to check')
    .option(
      '--fast',
      'skip entry signatures (hashes, links, Merkle tree and checkpoint signatures only)',
    )
    .action(async (opts: { from?: string; to?: string; fast?: boolean }, cmd: Command) => {
      const g = cmd.optsWithGlobals<GlobalOptions>();
      const from = positiveInt('--from', opts.from);
      const to = positiveInt('--to', opts.to);
      if (from !== undefined && to !== undefined && from > to) {
        throw new AgentvisorError('INPUT_INVALID', `--from ${from} is after --to ${to}`);
      }
      const { report: ledgerReport, anchorProofs } = await withSystem(g, async (system) => {
        const bar =
          io.isTTY && g.json !== true
            ? new cliProgress.SingleBar(
                { format: 'verifying {bar} {value}/{total} entries', stream: process.stderr },
                cliProgress.Presets.shades_classic,
              )
            : undefined;
        let started = false;
        let verified: Awaited<ReturnType<typeof verifyLedger>>;
        try {
          verified = await verifyLedger({
            store: system.store,
            anchors: system.anchors,
            origin: system.config.ledger.origin,
            mode: opts.fast === true ? 'fast' : 'full',
            ...(from === undefined ? {} : { from }),
            ...(to === undefined ? {} : { to }),
            onProgress: (done, total) => {
              if (bar === undefined) return;
              if (!started) {
                bar.start(total, 0);
                started = true;
              }
              bar.update(done);
            },
          });
        } finally {
          if (started) bar?.stop();
        }
        // RFC 3161 tokens and witness cosignatures, each checked with its anchor's own trust.
        return { report: verified, anchorProofs: await verifyAnchorProofs(system.anchors) };
      });
      const proofFinding = firstAnchorProofFinding(anchorProofs);
      const ledgerBad = ledgerReport.firstBad;
      const report = {
        ...ledgerReport,
        ok: ledgerReport.ok && proofFinding === undefined,
        firstBad:
          ledgerBad === null || (proofFinding !== undefined && proofFinding.seq < ledgerBad.seq)
            ? (proofFinding ?? null)
            : ledgerBad,
      };
      if (g.json === true) {
        printJson(io, {
          ok: report.ok,
          entries: report.entries,
          checkpoints: report.checkpoints,
          firstBad: report.firstBad,
          size: report.size,
          anchors: report.anchors,
          anchorProofs,
          records: report.records,
          mode: report.mode,
          durationMs: report.durationMs,
        });
      } else if (report.ok) {
        io.out(
          `${c.ok('intact')}: ${report.entries} entries, ${report.checkpoints} checkpoints, ${report.records} sealed records verified (${report.mode}, ${report.durationMs} ms)`,
        );
        printAnchorProofs(io, anchorProofs);
      } else {
        const f = report.firstBad!;
        io.out(
          `${c.bad('TAMPERED')}: first bad entry at seq ${f.seq}: ${f.kind} (${f.where})\n  ${f.detail}`,
        );
        printAnchorProofs(io, anchorProofs);
      }
      if (!report.ok) process.exitCode = EXIT_TAMPERED;
    });

  audit
    .command('show')
    .description('show one entry')
    .argument('<seq>', 'entry sequence number')
    .action(async (seqText: string, _opts: unknown, cmd: Command) => {
      const g = cmd.optsWithGlobals<GlobalOptions>();
      const seq = requiredPositiveInt('SEQ', seqText);
      const entry = await withSystem(g, (system) => getEntry(system.store, seq));
      if (g.json === true)
        printJson(io, { ...entry, payload: JSON.parse(entry.payload) as unknown });
      else printEntry(io, entry);
    });

  audit
    .command('tail')
    .description('show the newest entries; -f follows new ones')
    .option('-n, --lines <n>', 'how many', '20')
    .option('-f, --follow', 'keep printing new entries until interrupted')
    .option('--type <type>', 'only entries of this type')
    .action(async (opts: { lines: string; follow?: boolean; type?: string }, cmd: Command) => {
      const g = cmd.optsWithGlobals<GlobalOptions>();
      const n = requiredPositiveInt('--lines', opts.lines);
      await withSystem(g, async (system) => {
        const latest = (
          await listEntries(system.store, {
            limit: n,
            order: 'desc',
            ...(opts.type === undefined ? {} : { type: opts.type }),
          })
        ).reverse();
        let last = latest.at(-1)?.seq ?? (await system.ledger.head()).size;
        const print = (entries: LedgerEntry[]) => {
          if (g.json === true)
            for (const e of entries)
              printJson(io, { ...e, payload: JSON.parse(e.payload) as unknown });
          else if (entries.length > 0)
            printTable(
              io,
              ['seq', 'ts', 'type', 'actor', 'subject'],
              entries.map((e) => [e.seq, e.ts, e.type, e.actor, e.subject]),
            );
        };
        print(latest);
        if (opts.follow !== true) return;
        let stop = false;
        const onSig = () => {
          stop = true;
        };
        process.once('SIGINT', onSig);
        process.once('SIGTERM', onSig);
        while (!stop) {
          await new Promise((r) => setTimeout(r, 500));
          const next = await listEntries(system.store, {
            fromSeq: last + 1,
            limit: 1000,
            ...(opts.type === undefined ? {} : { type: opts.type }),
          });
          if (next.length > 0) {
            last = next.at(-1)!.seq;
            if (g.json === true) print(next);
            else
              for (const e of next)
                io.out(`${e.seq}\t${e.ts}\t${e.type}\t${e.actor}\t${e.subject}`);
          }
        }
      });
    });

  audit
    .command('proof')
    .description('RFC 6962 inclusion proof of entry SEQ in the tree of the first N entries')
    .argument('<seq>', 'entry sequence number')
    .option('--size <n>', 'tree size (default: the current size)')
    .action(async (seqText: string, opts: { size?: string }, cmd: Command) => {
      const g = cmd.optsWithGlobals<GlobalOptions>();
      const seq = requiredPositiveInt('SEQ', seqText);
      const size = positiveInt('--size', opts.size);
      const proof = await withSystem(g, (system) => proveInclusion(system.store, seq, size));
      if (g.json === true) printJson(io, proof);
      else
        printFacts(io, [
          ['seq', proof.seq],
          ['leaf index', proof.leafIndex],
          ['tree size', proof.treeSize],
          ['leaf hash', proof.leafHash],
          ['root hash', proof.rootHash],
          ['proof', proof.proof.join('\n' + ' '.repeat(12))],
        ]);
    });

  audit
    .command('consistency')
    .description('RFC 6962 consistency proof between tree sizes OLD and N')
    .argument('<old>', 'the older tree size')
    .option('--size <n>', 'the newer tree size (default: the current size)')
    .action(async (oldText: string, opts: { size?: string }, cmd: Command) => {
      const g = cmd.optsWithGlobals<GlobalOptions>();
      const oldSize = requiredPositiveInt('OLD', oldText);
      const size = positiveInt('--size', opts.size);
      const proof = await withSystem(g, (system) => proveConsistency(system.store, oldSize, size));
      if (g.json === true) printJson(io, proof);
      else
        printFacts(io, [
          ['old size', proof.oldSize],
          ['new size', proof.newSize],
          ['old root', proof.oldRoot],
          ['new root', proof.newRoot],
          ['proof', proof.proof.join('\n' + ' '.repeat(10))],
        ]);
    });

  audit
    .command('export')
    .description('export every entry, one JSON object per line')
    .option('--format <format>', 'export format (jsonl)', 'jsonl')
    .option('-o, --output <file>', 'write to a file instead of stdout')
    .action(async (opts: { format: string; output?: string }, cmd: Command) => {
      const g = cmd.optsWithGlobals<GlobalOptions>();
      if (opts.format !== 'jsonl') {
        throw new AgentvisorError(
          'INPUT_INVALID',
          `--format: "${opts.format}" is not supported; supported: jsonl`,
        );
      }
      await withSystem(g, async (system) => {
        const out =
          opts.output === undefined
            ? process.stdout
            : createWriteStream(opts.output, { mode: 0o644 });
        let n = 0;
        for await (const e of exportEntries(system.store)) {
          if (!out.write(`${JSON.stringify(e)}\n`)) await once(out, 'drain');
          n++;
        }
        if (out !== process.stdout) {
          (out as ReturnType<typeof createWriteStream>).end();
          await once(out, 'finish');
          io.err(`exported ${n} entries to ${opts.output}`);
        }
      });
    });

  audit
    .command('checkpoint')
    .description(
      'write a signed checkpoint now (and publish it to anchors); --list shows stored ones',
    )
    .option('--list', 'list stored checkpoints instead')
    .action(async (opts: { list?: boolean }, cmd: Command) => {
      const g = cmd.optsWithGlobals<GlobalOptions>();
      await withSystem(g, async (system) => {
        if (opts.list === true) {
          const rows = await system.store.db
            .selectFrom('ledger_checkpoints')
            .selectAll()
            .orderBy('size')
            .execute();
          if (g.json === true)
            printJson(
              io,
              rows.map((r) => ({
                size: Number(r.size),
                root_hash: r.root_hash,
                time: new Date(Number(r.time_ms)).toISOString(),
                key_id: r.key_id,
                note: r.note,
              })),
            );
          else
            printTable(
              io,
              ['size', 'time', 'root hash', 'key'],
              rows.map((r) => [
                Number(r.size),
                new Date(Number(r.time_ms)).toISOString(),
                r.root_hash,
                r.key_id,
              ]),
            );
          return;
        }
        const cp = await system.ledger.checkpoint();
        if (cp === undefined)
          throw new AgentvisorError('INTERNAL', 'no checkpoint could be written');
        if (g.json === true)
          printJson(io, {
            size: cp.size,
            root_hash: cp.rootHash,
            time: new Date(cp.timeMs).toISOString(),
            key_id: cp.keyId,
            note: cp.note,
          });
        else io.out(cp.note);
      });
    });
}

/** One line per anchor holding proofs (tokens, cosignatures), then each failure. */
function printAnchorProofs(io: CliIo, reports: readonly AnchorProofReport[]): void {
  const c = colours(io);
  const noun = (type: string) => (type === 'rfc3161' ? 'time-stamp tokens' : 'cosignatures');
  for (const r of reports) {
    const latest = r.latest === null ? '' : `, latest: size ${r.latest.size} at ${r.latest.time}`;
    const bad = r.failures.length === 0 ? '' : c.bad(`, ${r.failures.length} FAILED`);
    io.out(`  ${r.anchor}: ${r.checked} ${noun(r.type)} checked${bad}${latest}`);
    for (const f of r.failures.slice(0, 10)) io.out(`    size ${f.size}: ${f.kind}: ${f.reason}`);
    if (r.failures.length > 10) io.out(`    ... and ${r.failures.length - 10} more`);
  }
}

function printEntry(io: CliIo, e: LedgerEntry): void {
  printFacts(io, [
    ['seq', e.seq],
    ['id', e.id],
    ['ts', e.ts],
    ['type', e.type],
    ['actor', e.actor],
    ['subject', e.subject],
    [
      'payload',
      JSON.stringify(JSON.parse(e.payload), null, 2).replace(/\n/g, '\n' + ' '.repeat(12)),
    ],
    ['prev_hash', e.prev_hash],
    ['entry_hash', e.entry_hash],
    ['key_id', e.key_id],
    ['signature', e.signature],
  ]);
}
