/**
 * @module Reading a password for the CLI: from a hidden prompt on a terminal, or from stdin with
 * `--password-stdin` (scripts). Never from a flag: flags end up in shell history and `ps`.
 */
import { createInterface } from 'node:readline';
import { AgentvisorError } from '../core/index.js';

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks)
    .toString('utf8')
    .replace(/\r?\n$/, '');
}

function prompt(question: string): Promise<string> {
  return new Promise((resolve) => {
    const rl = createInterface({ input: process.stdin, output: process.stderr, terminal: true });
    // Echo nothing while the password is typed.
    (rl as unknown as { _writeToOutput: (s: string) => void })._writeToOutput = (s: string) => {
      if (s.startsWith(question)) process.stderr.write(question);
    };
    rl.question(question, (answer) => {
      rl.close();
      process.stderr.write('\n');
      resolve(answer);
    });
  });
}

/** Reads a new password: twice on a terminal (they must match), once from stdin. */
export async function readNewPassword(fromStdin: boolean): Promise<string> {
  if (fromStdin) return readStdin();
  if (process.stdin.isTTY !== true) {
    throw new AgentvisorError(
      'INPUT_INVALID',
      'no terminal to ask for the password on: pipe it in with --password-stdin',
    );
  }
  const first = await prompt('password: ');
  const second = await prompt('again: ');
  if (first !== second) throw new AgentvisorError('INPUT_INVALID', 'the passwords differ');
  return first;
}
