/** Helpers shared by the wire tests: raw HTTP requests and `lambda-sim serve` in a child process. */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { request } from 'node:http';
import { fileURLToPath } from 'node:url';

export const bin = fileURLToPath(new URL('../../bin/lambda-sim.js', import.meta.url));

export interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** One raw HTTP request (no SDK, no connection reuse), for what the SDK would never send. */
export function raw(url: string, method: string, path: string, body?: string | Buffer, headers: Record<string, string> = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(`${url}${path}`, { method, headers, agent: false }, (res) => {
      let data = '';
      res.on('data', (d: Buffer) => (data += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: data }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

export interface Served {
  url: string;
  port: number;
  /** The bin's pid, and the pid of the --no-node-snapshot child it started (the one serving). */
  pid: number;
  childPid: number;
  exited: Promise<number | null>;
  stdout: () => string;
  stderr: () => string;
  /** Kills both processes (cleanup after a failed test). */
  kill: () => void;
}

/** Starts `lambda-sim serve --port 0 …` through the real bin; resolves once it prints its URL. */
export function serve(args: string[]): Promise<Served> {
  const proc: ChildProcess = spawn(process.execPath, [bin, 'serve', '--port', '0', ...args], { env: { ...process.env, NODE_OPTIONS: '' } });
  let out = '';
  let err = '';
  let childPid = 0;
  proc.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<number | null>((resolve) => proc.on('exit', (code) => resolve(code)));
  const kill = (): void => {
    for (const pid of [childPid, proc.pid]) {
      try {
        if (pid) process.kill(pid, 'SIGKILL');
      } catch {
        /* already gone */
      }
    }
  };
  return new Promise((resolve, reject) => {
    proc.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /listening on (http:\/\/[^\s]+)/.exec(out);
      if (m === null || childPid !== 0) return;
      childPid = Number(readFileSync(`/proc/${proc.pid}/task/${proc.pid}/children`, 'utf8').trim().split(/\s+/)[0]);
      resolve({ url: m[1]!, port: Number(new URL(m[1]!).port), pid: proc.pid!, childPid, exited, stdout: () => out, stderr: () => err, kill });
    });
    void exited.then((code) => reject(new Error(`serve exited with ${code} before listening: ${err}`)));
  });
}
