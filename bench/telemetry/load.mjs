// Telemetry ingest load: C clients (default 8), each a signed-up Algorhythmic user with a RAI
// session, send batches of B events (default 500) to POST /api/v1/algorhythmic/telemetry until N
// events in all (default 1,000,000) are acknowledged. A 429 is honoured (Retry-After) and the batch
// sent again; anything else is an error. Each event carries the ~200-byte payload of
// ../shared/bench/limits/workloads/payload.json with its SEQ varied, as the COPY baseline's rows do.
// Prints events/s, the latency of a batch and the 429s.
// Usage: node load.mjs <base-url> <anon-key> <payload.json> [events] [batch] [clients]
import { readFileSync } from 'node:fs';

const [base, anonKey, payloadFile, eventsArg = '1000000', batchArg = '500', clientsArg = '8'] = process.argv.slice(2);
const EVENTS = Number(eventsArg);
const BATCH = Number(batchArg);
const CLIENTS = Number(clientsArg);
const PAYLOAD = readFileSync(payloadFile, 'utf8').trim();
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function json(response, what) {
  const text = await response.text();
  if (!response.ok) throw new Error(`${what}: HTTP ${response.status} ${text}`);
  return text ? JSON.parse(text) : null;
}

async function newClient(i) {
  const email = `telemetry-${Date.now().toString(36)}-${i}@atelier.test`;
  const signup = await json(await fetch(`${base}/auth/v1/signup`, {
    method: 'POST',
    headers: { apikey: anonKey, 'Content-Type': 'application/json' },
    body: JSON.stringify({ email, password: 'bench password 123' }),
  }), 'sign-up');
  const headers = { apikey: anonKey, Authorization: `Bearer ${signup.access_token}`, 'Content-Type': 'application/json' };
  const first = await json(await fetch(`${base}/api/v1/algorhythmic/telemetry`, {
    method: 'POST', headers,
    body: JSON.stringify({ session: { client_session_id: `bench-${i}`, platform: 'bench' },
      events: [{ event_type: 'session_start', event_data: {} }] }),
  }), 'first batch');
  return { headers, session: first.session_id };
}

// Bodies are built before the clock starts (20 distinct ones per client), so the load measures the
// server, not JSON.stringify on the same two cores.
function bodies(session, offset) {
  const out = [];
  for (let b = 0; b < 20; b++) {
    const events = [];
    for (let e = 0; e < BATCH; e++) {
      const seq = offset + b * BATCH + e;
      events.push(`{"event_type":"frame_stats","event_data":${PAYLOAD.replace('SEQ', String(seq))}}`);
    }
    out.push(`{"session_id":"${session}","events":[${events.join(',')}]}`);
  }
  return out;
}

const clients = await Promise.all(Array.from({ length: CLIENTS }, (_, i) => newClient(i)));
clients.forEach((c, i) => { c.bodies = bodies(c.session, i * 1_000_000); });
// Warm-up, not timed: 10 batches per client (JIT, connection pools, the first COPYs).
await Promise.all(clients.map(async (c) => {
  for (let n = 0; n < 10; n++) {
    await json(await fetch(`${base}/api/v1/algorhythmic/telemetry`, { method: 'POST', headers: c.headers, body: c.bodies[n] }), 'warm-up');
  }
}));
const warmup = clients.length * 10 * BATCH;
const batches = Math.ceil(EVENTS / BATCH);
let next = 0;
let refused = 0;
const latencies = [];
const started = performance.now();
await Promise.all(clients.map(async (c) => {
  for (let n = next++; n < batches; n = next++) {
    for (;;) {
      const t0 = performance.now();
      const r = await fetch(`${base}/api/v1/algorhythmic/telemetry`, { method: 'POST', headers: c.headers, body: c.bodies[n % 20] });
      const text = await r.text();
      if (r.status === 429) { refused++; await sleep(1000 * Number(r.headers.get('retry-after') ?? 1)); continue; }
      if (r.status !== 200) throw new Error(`batch ${n}: HTTP ${r.status} ${text}`);
      latencies.push(performance.now() - t0);
      break;
    }
  }
}));
const seconds = (performance.now() - started) / 1000;
latencies.sort((a, b) => a - b);
const pct = (p) => latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))].toFixed(1);
console.log(JSON.stringify({
  events: batches * BATCH, warmup_events: warmup, batch: BATCH, clients: CLIENTS, seconds: Number(seconds.toFixed(3)),
  events_per_second: Math.round((batches * BATCH) / seconds),
  batch_ms_p50: Number(pct(0.5)), batch_ms_p95: Number(pct(0.95)), refused_429: refused,
}));
