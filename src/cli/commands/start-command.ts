/**
 * @module `agentvisor start`: runs the node in the foreground on the configured store, with the
 * HTTP server on loopback. Ctrl-C (SIGINT) or SIGTERM shuts down cleanly: no new calls, the
 * ledger flushed, a final checkpoint written, and the data directory named on the way out.
 */
import type { Command } from 'commander';
import { AgentvisorError } from '../../core/index.js';
import {
  AgentSupervision,
  createLogger,
  newOperatorToken,
  openAlertSystem,
  openSystem,
  removeNodeEndpoint,
  writeNodeEndpoint,
} from '../../system/index.js';
import { configDirOf, type GlobalOptions, loadCliConfig } from '../context.js';
import { type CliIo, colours } from '../output.js';

interface StartOptions extends GlobalOptions {
  host?: string;
  port?: string;
}

/** Registers `start`. */
export function registerStartCommand(program: Command, io: CliIo): void {
  program
    .command('start')
    .description('run Agentvisor in the foreground (HTTP on 127.0.0.1:7070 by default)')
    .option('--host <host>', 'interface to bind (default from config: 127.0.0.1)')
    .option('--port <port>', 'port to listen on (default from config: 7070)')
    .action(async (opts: StartOptions, cmd: Command) => {
      const options = { ...cmd.optsWithGlobals<GlobalOptions>(), ...opts };
      const { config, dataDir, source } = loadCliConfig(options);
      if (options.host !== undefined) config.server.host = options.host;
      if (options.port !== undefined) {
        const port = Number(options.port);
        if (!Number.isInteger(port) || port < 0 || port > 65_535) {
          throw new AgentvisorError(
            'INPUT_INVALID',
            `--port: expected an integer from 0 to 65535, got "${options.port}"`,
          );
        }
        config.server.port = port;
      }
      const c = colours(io);
      const logger = createLogger({ level: config.log.level, format: config.log.format });
      const system = await openSystem({
        config,
        dataDir,
        logger,
        timers: true,
        configDir: configDirOf(source),
      });
      const supervision = new AgentSupervision(system, system.logs.capture);
      const alerts = openAlertSystem({ system, supervision, logger });
      // A scheduled verification that finds a bad entry fires the alert; the next clean one resolves it.
      system.integrity.onRun((run) => {
        const done =
          run.ok || run.firstBad === null
            ? alerts.ledgerVerificationPassed()
            : alerts.ledgerVerificationFailed(
                run.firstBad.seq,
                `${run.firstBad.kind} at ${run.firstBad.where} (seq ${run.firstBad.seq})`,
              );
        done.catch((error: unknown) =>
          logger.warn({ err: { message: (error as Error).message } }, 'integrity alert failed'),
        );
      });
      const operatorToken = newOperatorToken();
      // Loaded here, not at the top: every other verb starts faster without Fastify.
      const { createHttpServer } = await import('../../server/index.js');
      const app = await createHttpServer({
        system,
        logger,
        supervision: { supervision, operatorToken },
        alerts,
      });
      try {
        await app.listen({ host: config.server.host, port: config.server.port });
      } catch (error) {
        await system.close();
        const code = (error as NodeJS.ErrnoException).code;
        throw new AgentvisorError(
          'UNAVAILABLE',
          code === 'EADDRINUSE'
            ? `port ${config.server.port} on ${config.server.host} is already in use; stop the other process or pass --port`
            : `cannot listen on ${config.server.host}:${config.server.port}: ${(error as Error).message}`,
        );
      }
      const address = app.server.address();
      const port =
        typeof address === 'object' && address !== null ? address.port : config.server.port;
      await supervision.start();
      alerts.start();
      // Runs a crash or a stop left unfinished continue where they were.
      const resumed = await system.team.orchestrator.resumeAll();
      writeNodeEndpoint(dataDir, {
        url: `http://${config.server.host === '0.0.0.0' ? '127.0.0.1' : config.server.host}:${port}`,
        pid: process.pid,
        token: operatorToken,
        startedAt: new Date().toISOString(),
      });
      const head = await system.ledger.head();
      const setupToken = await system.access.setupToken();
      const shownHost = config.server.host === '0.0.0.0' ? '127.0.0.1' : config.server.host;
      io.err(
        [
          `${c.bold('Agentvisor')} listening on ${c.ok(`http://${config.server.host}:${port}`)}`,
          `  data:   ${dataDir}${source === undefined ? '' : `  (config ${source})`}`,
          `  store:  ${system.store.dialect} ${system.store.location}`,
          `  ledger: ${head.size} entries, signing key ${head.keyId}`,
          `  agents: ${
            system.agents
              .list()
              .map((a) => a.name)
              .join(', ') || '(none configured)'
          }`,
          ...(resumed.length === 0 ? [] : [`  resumed ${resumed.length} team run(s)`]),
          `  dashboard: http://${shownHost}:${port}/`,
          ...(setupToken === undefined
            ? []
            : [
                c.bold('  first run: no user exists yet. Create the first admin at'),
                `    http://${shownHost}:${port}/setup  with the one-time setup token`,
                `    ${c.ok(setupToken)}`,
                c.dim('    (or: agentvisor user create --email YOU --role admin)'),
              ]),
          '  Ctrl-C to stop.',
        ].join('\n'),
      );

      await new Promise<void>((resolve) => {
        let stopping = false;
        const stop = (signal: string) => {
          if (stopping) {
            io.err('second signal: exiting without a final checkpoint');
            process.exit(130);
          }
          stopping = true;
          io.err(`\n${signal}: shutting down...`);
          void (async () => {
            try {
              removeNodeEndpoint(dataDir);
              // Stop taking work, let every agent finish its beat (snapshots are taken as each
              // stops), then the final checkpoint.
              await app.close();
              await alerts.stop();
              // Runs stop where they are (their state is stored) before their agents stop.
              await system.team.orchestrator.stop();
              await supervision.stop(signal);
              const { finalCheckpointSize } = await system.close();
              io.err(
                `final checkpoint at ${finalCheckpointSize ?? 0} entries; data is in ${dataDir}`,
              );
            } catch (error) {
              logger.error({ err: { message: (error as Error).message } }, 'shutdown failed');
              process.exitCode = 1;
            }
            resolve();
          })();
        };
        process.once('SIGINT', () => stop('SIGINT'));
        process.once('SIGTERM', () => stop('SIGTERM'));
      });
    });
}
