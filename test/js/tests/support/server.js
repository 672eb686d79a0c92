// Starts one Atelier server (the real jar, embedded PostgreSQL, a fresh data directory) for the
// whole run and stops it afterwards. The scenarios read the URL and the keys from `server`.
import { execFileSync, spawn } from 'node:child_process';
import {
  createWriteStream, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = dirname(fileURLToPath(import.meta.url));
const JS_ROOT = resolve(HERE, '..', '..'); // test/js
const REPO_ROOT = resolve(JS_ROOT, '..', '..');
const STARTUP_TIMEOUT_MS = 60_000;
/**
 * The data API's test-only schema, the same one the Java tests use (dev.atelier.testing.TestSchema):
 * its migrations are applied to the suite's database after start, and the schema is exposed after
 * the product's, so `supabase.schema('rest_fixture')` reaches it and nothing else changes.
 */
export const FIXTURE_SCHEMA = 'rest_fixture';
const FIXTURE_MIGRATIONS = join(REPO_ROOT, 'src', 'test', 'resources', 'db', 'test-migration');
const SHUTDOWN_TIMEOUT_MS = 30_000;

/**
 * A fixed signing secret (48 characters), given to the server as ATELIER_JWT_SECRET, so the suite
 * can sign tokens of its own: an expired one to see PGRST303, a valid one as a control.
 */
export const JWT_SECRET = 'atelier-e2e-jwt-secret-0123456789abcdefghijklmno';

/** Filled in by startServer(): url, anonKey, serviceKey, dataDir, logFile. */
export const server = {
  url: null,
  anonKey: null,
  serviceKey: null,
  dataDir: null,
  logFile: join(JS_ROOT, 'atelier-server.log'),
};

let child = null;
let exited = null; // resolves with { code, signal } when the JVM is gone
let output = ''; // stdout + stderr, for the banner and for error messages

function jarPath() {
  return process.env.ATELIER_JAR
    ? resolve(process.env.ATELIER_JAR)
    : join(REPO_ROOT, 'target', 'atelier.jar');
}


function tail(text, lines = 40) {
  return text.split('\n').slice(-lines).join('\n');
}

function banner(name) {
  const match = output.match(new RegExp(`^\\s*${name}:\\s*(\\S+)\\s*$`, 'm'));
  return match ? match[1] : null;
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

export async function startServer() {
  server.dataDir = mkdtempSync(join(tmpdir(), 'atelier-js-e2e-'));
  writeFileSync(server.logFile, '');
  // Port 0: the server binds a free port itself and prints it in its banner. A port probed free
  // here could be taken by another process during the seconds the database takes to start.
  await launch(0);
  applyFixtures();
}

/** The product's exposed schemas (application.properties) and the fixture schema after them. */
function exposedSchemas() {
  const properties = readFileSync(join(REPO_ROOT, 'src', 'main', 'resources', 'application.properties'), 'utf8');
  const match = properties.match(/^atelier\.rest\.schemas=(.*)$/m);
  if (!match) {
    throw new Error('application.properties sets no atelier.rest.schemas');
  }
  return `${match[1].trim()},${FIXTURE_SCHEMA}`;
}

/**
 * Applies the fixture migrations in version order with psql, as the embedded cluster's superuser
 * (its password and port are in the data directory, as `atelier backup` finds them). The server's
 * schema cache finds the new tables on their first request (a miss reloads it).
 */
function applyFixtures() {
  const pid = readFileSync(join(server.dataDir, 'postgres', 'postmaster.pid'), 'utf8').split('\n');
  const env = {
    ...process.env,
    PGPASSWORD: readFileSync(join(server.dataDir, 'database-password'), 'utf8').trim(),
  };
  const files = readdirSync(FIXTURE_MIGRATIONS)
    .filter((f) => /^V\d+__.*\.sql$/.test(f))
    .sort((a, b) => Number(a.slice(1, a.indexOf('__'))) - Number(b.slice(1, b.indexOf('__'))));
  const args = ['-X', '-q', '-v', 'ON_ERROR_STOP=1', '-h', '127.0.0.1', '-p', pid[3].trim(), '-U', 'postgres',
    '-d', 'postgres', '-c', `CREATE SCHEMA IF NOT EXISTS ${FIXTURE_SCHEMA}`];
  for (const file of files) {
    args.push('-f', join(FIXTURE_MIGRATIONS, file));
  }
  try {
    execFileSync('psql', args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (error) {
    throw new Error(`the fixture migrations did not apply (psql, from Debian's postgresql-client): `
      + `${error.stderr ?? error.message}`);
  }
}

/**
 * Stops the server as an operator would (SIGTERM) and starts it again on the same data directory
 * and port: for what must survive a restart (a resumable upload under way).
 */
export async function restartServer() {
  const port = Number(new URL(server.url).port);
  await stopProcess();
  output = '';
  await launch(port);
}

async function launch(port) {
  const jar = jarPath();
  if (!existsSync(jar)) {
    throw new Error(`Atelier jar not found at ${jar}: run mvn package first (in ${REPO_ROOT}), `
      + 'or point ATELIER_JAR at a built jar');
  }
  const env = {
    ...process.env,
    ATELIER_JWT_SECRET: JWT_SECRET,
    // Delula's scenario: its failing recipe fails on purpose, and retries wait 100 ms, not seconds.
    ATELIER_AI_LOCAL_FAULTS: [process.env.ATELIER_AI_LOCAL_FAULTS, 'delula:e2e-delula-failing=fail']
      .filter(Boolean).join(','),
    ATELIER_DELULA_GENERATION_BACKOFF_MS: '100',
    // No WAL archive: it would go beside the temporary data directory and outlive it.
    ATELIER_BACKUP_ENABLED: 'false',
    // The suite signs in many times from one address: never rate-limited (docs/adr/0017).
    ATELIER_RATELIMIT_EXEMPT: '127.0.0.1/32,::1/128',
    ATELIER_REST_SCHEMAS: exposedSchemas(),
    ATELIER_REST_AGGREGATES_ENABLED: 'true',
    // Prefer: tx=rollback|commit is honoured (PostgREST's db-tx-end = commit-allow-override):
    // the postgrest-prefer scenario's dry runs. Requests without it commit.
    ATELIER_REST_TX_END: 'commit-allow-override',
    // Execution plans (PostgREST's db-plan-enabled, off by default): scenarios/postgrest-media.js.
    ATELIER_REST_PLAN_ENABLED: 'true',
    // The fixture's pre-request function (docs/adr/0027): it does nothing unless a request's
    // X-Pre-Request header asks it to (scenarios/postgrest-context.js).
    ATELIER_REST_PRE_REQUEST: `${FIXTURE_SCHEMA}.pre_request`,
  };
  // A fresh embedded database every run: an inherited DATABASE_URL would point the suite at
  // someone's real data and make the row counts below meaningless.
  delete env.DATABASE_URL;

  const log = createWriteStream(server.logFile, { flags: 'a' });
  // A server that lives for a minute: C1 alone compiles enough and spends far less CPU.
  child = spawn('java', ['-XX:TieredStopAtLevel=1', '-XX:+UseSerialGC', '-jar', jar, 'serve', '--data-dir', server.dataDir,
    '--host', '127.0.0.1', '--port', String(port)], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  exited = new Promise((resolveExit) => {
    child.on('exit', (code, signal) => resolveExit({ code, signal }));
    child.on('error', (error) => resolveExit({ code: null, signal: null, error }));
  });
  for (const stream of [child.stdout, child.stderr]) {
    stream.setEncoding('utf8');
    stream.on('data', (chunk) => {
      output += chunk;
      log.write(chunk);
    });
  }
  process.once('exit', killNow);

  let gone = null;
  exited.then((e) => { gone = e; });
  const deadline = Date.now() + STARTUP_TIMEOUT_MS;
  let healthy = false;
  let lastHealth = 'no answer yet';
  while (Date.now() < deadline) {
    if (gone) {
      throw new Error(`Atelier exited before it was ready (code ${gone.code}, signal ${gone.signal}`
        + `${gone.error ? `, ${gone.error.message}` : ''}). Output:\n${tail(output)}`);
    }
    server.url = banner('API URL');
    server.anonKey = banner('anon key');
    server.serviceKey = banner('service_role key');
    if (server.url && server.anonKey && server.serviceKey) {
      try {
        const res = await fetch(`${server.url}/health`, { signal: AbortSignal.timeout(5_000) });
        lastHealth = `HTTP ${res.status} ${await res.text()}`;
        if (res.status === 200) {
          healthy = true;
          break;
        }
      } catch (error) {
        lastHealth = String(error.cause ?? error);
      }
    }
    await sleep(200);
  }
  if (!healthy) {
    await stopServer();
    const seen = server.url ? `GET /health last said: ${lastHealth}` : 'the banner (API URL, anon key, service_role key) never appeared';
    throw new Error(`Atelier did not become healthy within ${STARTUP_TIMEOUT_MS / 1000} s (${seen}). `
      + `Output:\n${tail(output)}`);
  }
}

function killNow() {
  if (child && child.exitCode === null && child.signalCode === null) {
    child.kill('SIGTERM');
  }
}

export async function stopServer() {
  await stopProcess();
  if (server.dataDir && !process.env.ATELIER_KEEP_DATA) {
    rmSync(server.dataDir, { recursive: true, force: true });
  }
}

async function stopProcess() {
  if (child) {
    process.removeListener('exit', killNow);
    if (child.exitCode === null && child.signalCode === null) {
      // SIGTERM runs the server's shutdown hook, which stops the embedded PostgreSQL cleanly;
      // SIGKILL would orphan the postmaster.
      child.kill('SIGTERM');
      let timer;
      const stopped = await Promise.race([
        exited,
        new Promise((r) => { timer = setTimeout(() => r(null), SHUTDOWN_TIMEOUT_MS); }),
      ]);
      clearTimeout(timer);
      if (!stopped) {
        child.kill('SIGKILL');
        await exited;
      }
    }
    child = null;
  }
}
