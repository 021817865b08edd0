/**
 * What the CLI's commands write to and read from: the process's streams by default, a test's
 * buffers in the CLI tests. A leaf: main.ts and every command module import it.
 */
import { readFileSync } from 'node:fs';

export interface CliIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  readStdin: () => string;
}

export const defaultIo: CliIo = {
  stdout: (t) => process.stdout.write(t),
  stderr: (t) => process.stderr.write(t),
  readStdin: () => readFileSync(0, 'utf8'),
};
