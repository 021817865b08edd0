/**
 * Issue 17: node-postgres (pg) in a handler against a real PostgreSQL server (Debian's postgresql,
 * installed by .ci/run), through the sandbox's sockets (network: 'host'). This test makes a cluster
 * in a temporary directory (initdb, trust authentication) and starts it on a free loopback port
 * with fsync off. PostgreSQL refuses to run as root: as root, initdb and postgres run as the
 * unprivileged user `postgres` (Debian's package makes it) or else `nobody`.
 */
import { execFile, execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { call, freePort, newSim } from '../helpers.js';

// pg ships no types (no @types/pg here): the little of its Client this test uses.
interface PgClient {
  connect(): Promise<void>;
  query<R = Record<string, unknown>>(text: string, values?: unknown[]): Promise<{ rows: R[] }>;
  end(): Promise<void>;
  on(event: 'error', listener: (err: Error) => void): unknown;
}
const pg = createRequire(import.meta.url)('pg') as {
  Client: new (config: { host: string; port: number; user: string; database: string }) => PgClient;
};

/** initdb and postgres: on PATH, or where Debian's package puts them (not on PATH). */
function postgresBinDir(): string {
  const onPath = (process.env.PATH ?? '').split(delimiter).find((d) => d !== '' && existsSync(join(d, 'initdb')) && existsSync(join(d, 'postgres')));
  if (onPath !== undefined) return onPath;
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root) ? readdirSync(root).filter((v) => existsSync(join(root, v, 'bin', 'initdb'))) : [];
  versions.sort((a, b) => Number(b) - Number(a));
  if (versions[0] === undefined) throw new Error('PostgreSQL not found: neither initdb on PATH nor /usr/lib/postgresql/*/bin/initdb (.ci/run installs Debian postgresql)');
  return join(root, versions[0], 'bin');
}

/** As root, the unprivileged user the server runs as; otherwise this process's own user. */
function serverUser(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  for (const name of ['postgres', 'nobody']) {
    try {
      const id = (flag: string) => Number(execFileSync('id', [flag, name], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim());
      return { uid: id('-u'), gid: id('-g') };
    } catch {
      // no such user: the next one
    }
  }
  throw new Error('running as root, and neither the user postgres nor nobody exists to run PostgreSQL');
}

let dir: string | undefined;
let server: ChildProcess | undefined;
let exited: Promise<unknown> | undefined;
let port: number;
let host: PgClient;
const database = 'shop';

function client(db: string): PgClient {
  const c = new pg.Client({ host: '127.0.0.1', port, user: 'postgres', database: db });
  c.on('error', () => {}); // a connection dropped at shutdown
  return c;
}

beforeAll(async () => {
  port = await freePort();
  const bin = postgresBinDir();
  const user = serverUser();
  dir = mkdtempSync(join(tmpdir(), 'lambda-sim-pg-'));
  if (user !== undefined) chownSync(dir, user.uid, user.gid);
  const data = join(dir, 'data');
  const as = { ...user, cwd: dir };
  await promisify(execFile)(join(bin, 'initdb'), ['-D', data, '-A', 'trust', '-U', 'postgres', '-E', 'UTF8', '--no-locale', '--no-sync'], as);
  let log = '';
  server = spawn(join(bin, 'postgres'), ['-D', data, '-p', String(port), '-k', dir, '-c', 'listen_addresses=127.0.0.1', '-F'], { ...as, stdio: ['ignore', 'ignore', 'pipe'] });
  server.stderr?.on('data', (chunk: Buffer) => {
    if (log.length < 64 * 1024) log += chunk.toString();
  });
  exited = once(server, 'exit');
  let gone = false;
  void exited.then(() => (gone = true));
  // Ready when a client gets in: refused (or "starting up") until then, retried a bounded number of times.
  for (let attempt = 1; ; attempt++) {
    const c = client('postgres');
    try {
      await c.connect();
      host = c;
      break;
    } catch (err) {
      await c.end().catch(() => {});
      if (gone) throw new Error(`postgres exited before accepting connections:\n${log}`);
      if (attempt === 400) throw new Error(`postgres did not accept connections: ${String(err)}\n${log}`);
      await delay(50);
    }
  }
  await host.query(`CREATE DATABASE ${database}`);
  await host.end();
  host = client(database);
  await host.connect();
}, 30_000);

afterAll(async () => {
  await host?.end().catch(() => {});
  if (server !== undefined && server.exitCode === null && server.signalCode === null) {
    server.kill('SIGINT'); // fast shutdown: disconnects clients instead of waiting for them
    await exited;
  }
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
});

function deployOrders(sim: ReturnType<typeof newSim>, name: string) {
  return sim.createFunction({
    FunctionName: name,
    Handler: 'index.handler',
    Runtime: 'nodejs20.x',
    Timeout: 10,
    Environment: { Variables: { PGHOST: '127.0.0.1', PGPORT: String(port), PGUSER: 'postgres', PGDATABASE: database } },
    Code: { Path: fileURLToPath(new URL('../fixtures/pg-client', import.meta.url)) },
  });
}

const teaMeta = { colour: 'green', tags: ['loose', 'organic'], grams: 250 };
const mugMeta = { colour: 'white', dishwasher: true, size: null };

it('pg talks to a real PostgreSQL: parameterised inserts in a transaction, numbers, text, timestamps and jsonb cross; the warm environment keeps one connection', async () => {
  const sim = newSim({ seed: 7, network: 'host' });
  try {
    await deployOrders(sim, 'orders');
    const first = await call(sim, 'orders', { sku: 'tea-1', qty: 2, price: 4.5, meta: teaMeta, placedAt: '2024-05-01T12:30:00.000Z' });
    expect(first.out.FunctionError, first.text).toBeUndefined();
    const firstPayload = first.payload as { rows: { pid: number }[] };
    const pid = firstPayload.rows[0]?.pid;
    expect(pid).toEqual(expect.any(Number));
    const tea = { id: 1, sku: 'tea-1', qty: 2, price: '4.50', meta: teaMeta, placed_at: '2024-05-01T12:30:00.000Z' };
    expect(first.payload).toEqual({
      order: tea,
      // pg's own parsing: integer a number, numeric a string, jsonb an object, timestamptz a Date.
      types: { id: 'number', price: 'string', meta: 'object', placedAt: 'Date', placedAtMs: Date.parse('2024-05-01T12:30:00Z') },
      rows: [{ ...tea, total: '9.00', orders: '1', pid }], // count(*) is a bigint: a string
    });
    const second = await call(sim, 'orders', { sku: 'mug-1', qty: 3, price: 12, meta: mugMeta, placedAt: '2024-05-02T08:00:00+02:00' });
    expect(second.out.FunctionError, second.text).toBeUndefined();
    const mug = { id: 2, sku: 'mug-1', qty: 3, price: '12.00', meta: mugMeta, placed_at: '2024-05-02T06:00:00.000Z' };
    expect(second.payload).toMatchObject({
      order: mug,
      rows: [
        { ...tea, total: '9.00', orders: '2', pid },
        { ...mug, total: '36.00', orders: '2', pid },
      ],
    });
    // What the handler wrote is in the real server, committed.
    const orders = await host.query('SELECT sku, qty, price::text, meta, placed_at FROM orders ORDER BY id');
    expect(orders.rows).toEqual([
      { sku: 'tea-1', qty: 2, price: '4.50', meta: teaMeta, placed_at: new Date('2024-05-01T12:30:00Z') },
      { sku: 'mug-1', qty: 3, price: '12.00', meta: mugMeta, placed_at: new Date('2024-05-02T06:00:00Z') },
    ]);
    expect((await host.query('SELECT sku, reserved FROM stock ORDER BY sku')).rows).toEqual([
      { sku: 'mug-1', reserved: 3 },
      { sku: 'tea-1', reserved: 2 },
    ]);
    // One connection from the warm environment, the same backend for both invocations.
    const sessions = await host.query<{ pid: number }>('SELECT pid FROM pg_stat_activity WHERE datname = $1 AND application_name = $2', [database, 'lambda-sim-orders']);
    expect(sessions.rows).toEqual([{ pid }]);
  } finally {
    await sim.close();
  }
});

it("a unique violation reaches the handler as pg's DatabaseError (code 23505), which it catches after ROLLBACK; the connection goes on", async () => {
  const sim = newSim({ seed: 8, network: 'host' });
  try {
    await deployOrders(sim, 'orders-dup');
    const ok = await call(sim, 'orders-dup', { sku: 'pot-1', qty: 1, price: 30, meta: {}, placedAt: '2024-06-01T00:00:00Z' });
    expect(ok.out.FunctionError, ok.text).toBeUndefined();
    const pid = (ok.payload as { rows: { pid: number }[] }).rows[0]?.pid;
    expect(pid).toEqual(expect.any(Number));
    const dup = await call(sim, 'orders-dup', { sku: 'pot-1', qty: 4, price: 30, meta: {}, placedAt: '2024-06-02T00:00:00Z' });
    expect(dup.out.FunctionError, dup.text).toBeUndefined();
    expect(dup.payload).toEqual({
      error: { name: 'error', isDatabaseError: true, code: '23505', constraint: 'orders_sku_key', detail: 'Key (sku)=(pot-1) already exists.' },
    });
    // The transaction was rolled back: the stock row kept its first reservation.
    expect((await host.query("SELECT reserved FROM stock WHERE sku = 'pot-1'")).rows).toEqual([{ reserved: 1 }]);
    // The same connection serves the next invocation.
    const next = await call(sim, 'orders-dup', { sku: 'pot-2', qty: 1, price: 0.99, meta: { gift: true }, placedAt: '2024-06-03T00:00:00Z' });
    expect(next.out.FunctionError, next.text).toBeUndefined();
    const rows = (next.payload as { rows: { sku: string; pid: number }[] }).rows;
    expect(rows.map((r) => r.sku).filter((sku) => sku.startsWith('pot-'))).toEqual(['pot-1', 'pot-2']);
    expect(new Set(rows.map((r) => r.pid))).toEqual(new Set([pid]));
    expect((await host.query("SELECT count(*)::int AS n FROM orders WHERE sku = 'pot-1'")).rows).toEqual([{ n: 1 }]);
  } finally {
    await sim.close();
  }
});

it('pg passed as a host module (modules: { pg }): the handler builds a host Pool, queries with parameters, reads rows and a DatabaseError; the pool lives on the host', async () => {
  const realPg = createRequire(import.meta.url)('pg') as Record<string, unknown>;
  const sim = newSim({ seed: 8, modules: { pg: realPg } });
  try {
    await sim.createFunction({
      FunctionName: 'pg-host',
      Handler: 'index.handler',
      Runtime: 'nodejs20.x',
      Timeout: 10,
      Environment: { Variables: { PGHOST: '127.0.0.1', PGPORT: String(port), PGUSER: 'postgres', PGDATABASE: database } },
      Code: {
        Source: `import pg from 'pg';
          const pool = new pg.Pool({ host: process.env.PGHOST, port: Number(process.env.PGPORT), user: process.env.PGUSER, database: process.env.PGDATABASE, max: 1, application_name: 'pg-host-module' });
          // As pg's docs ask: an idle client's error (the server shutting down) goes to the pool's listener.
          pool.on('error', (err) => console.error('idle client error', err.message));
          export const handler = async (e) => {
            await pool.query('CREATE TABLE IF NOT EXISTS host_notes (id serial PRIMARY KEY, body text UNIQUE)');
            const ins = await pool.query('INSERT INTO host_notes (body) VALUES ($1) RETURNING id, body', [e.body]);
            let dup;
            try { await pool.query('INSERT INTO host_notes (body) VALUES ($1)', [e.body]); } catch (err) { dup = [err instanceof Error, err.code, err.constraint]; }
            const { rows } = await pool.query('SELECT count(*)::int AS n FROM host_notes');
            return { inserted: ins.rows[0], rowCount: ins.rowCount, dup, n: rows[0].n, isPool: pool instanceof pg.Pool, total: pool.totalCount };
          };`,
      },
    });
    const first = await call(sim, 'pg-host', { body: 'first note' });
    expect(first.out.FunctionError, first.text).toBeUndefined();
    expect(first.payload).toEqual({ inserted: { id: 1, body: 'first note' }, rowCount: 1, dup: [true, '23505', 'host_notes_body_key'], n: 1, isPool: true, total: 1 });
    const second = await call(sim, 'pg-host', { body: 'second note' });
    expect(second.payload).toMatchObject({ inserted: { body: 'second note' }, n: 2, total: 1 });
    const { rows } = await host.query<{ body: string }>('SELECT body FROM host_notes ORDER BY id');
    expect(rows.map((r) => r.body)).toEqual(['first note', 'second note']);
  } finally {
    await sim.close();
  }
});
