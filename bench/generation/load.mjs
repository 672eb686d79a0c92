// Generation load: N users (default 8) each start an Algorhythmic art generation, follow it until it
// ends, and start the next, for a fixed time. Prints generations per second end to end and, from the
// server's own records, where each generation's time went: in the provider (provider_ms, measured
// around the provider call) and outside it (request, hold, queue, claim, storage, pool row, capture).
// Usage: node load.mjs <base-url> <service-role-key> [users] [seconds]
const [base, serviceKey, usersArg = '8', secondsArg = '30'] = process.argv.slice(2);
const USERS = Number(usersArg);
const SECONDS = Number(secondsArg);
const POLL_MS = Number(process.env.POLL_MS ?? 50);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const service = { apikey: serviceKey, Authorization: `Bearer ${serviceKey}` };

async function json(response, what) {
  const text = await response.text();
  if (!response.ok) throw new Error(`${what}: HTTP ${response.status} ${text}`);
  return text ? JSON.parse(text) : null;
}

async function newUser(i) {
  const email = `bench-${Date.now().toString(36)}-${i}@atelier.test`;
  const signup = await json(await fetch(`${base}/auth/v1/signup`, {
    method: 'POST',
    headers: { apikey: serviceKey, 'Content-Type': 'application/json' },
    body: JSON.stringify({ email, password: 'bench password 123' }),
  }), 'sign-up');
  const token = signup.access_token;
  const id = signup.user.id;
  const headers = { apikey: serviceKey, Authorization: `Bearer ${token}` };
  const [session] = await json(await fetch(`${base}/rest/v1/sessions`, {
    method: 'POST',
    headers: { ...headers, 'Content-Type': 'application/json', 'Content-Profile': 'algorhythmic', Prefer: 'return=representation' },
    body: '{}',
  }), 'session');
  await json(await fetch(`${base}/api/v1/algorhythmic/credits/grant`, {
    method: 'POST',
    headers: { ...service, 'Content-Type': 'application/json', 'Idempotency-Key': `bench-grant-${id}` },
    body: JSON.stringify({ user_id: id, amount: 100000, reason: 'benchmark' }),
  }), 'grant');
  return { headers, session: session.id };
}

async function generateOnce(user, n) {
  const t0 = performance.now();
  const started = await json(await fetch(`${base}/api/v1/algorhythmic/generations`, {
    method: 'POST',
    headers: { ...user.headers, 'Content-Type': 'application/json', 'Idempotency-Key': `g-${user.session}-${n}` },
    body: JSON.stringify({ session_id: user.session, prompt: `bench ${n}`, music_genre: 'ambient' }),
  }), 'start');
  for (;;) {
    const g = await json(await fetch(`${base}/api/v1/algorhythmic/generations/${started.id}`, { headers: user.headers }), 'poll');
    if (g.status === 'completed') return { id: started.id, ms: performance.now() - t0 };
    if (g.status === 'failed' || g.status === 'timeout') throw new Error(`generation ${started.id} ${g.status}: ${g.error_message}`);
    await sleep(POLL_MS);
  }
}

const users = [];
for (let i = 0; i < USERS; i += 1) users.push(await newUser(i));

// Warm-up (JIT, pools): two generations per user, not counted.
await Promise.all(users.map(async (u) => { await generateOnce(u, 'w1'); await generateOnce(u, 'w2'); }));

const ids = [];
const client = [];
const deadline = performance.now() + SECONDS * 1000;
const began = performance.now();
await Promise.all(users.map(async (u) => {
  for (let n = 0; performance.now() < deadline; n += 1) {
    const r = await generateOnce(u, n);
    ids.push(r.id);
    client.push(r.ms);
  }
}));
const wall = (performance.now() - began) / 1000;

// The server's own timings of the measured generations.
const rows = [];
for (let i = 0; i < ids.length; i += 100) {
  const list = ids.slice(i, i + 100).join(',');
  rows.push(...await json(await fetch(
    `${base}/rest/v1/generation_jobs?select=id,created_at,started_at,completed_at,metadata&id=in.(${list})`,
    { headers: { ...service, 'Accept-Profile': 'algorhythmic' } },
  ), 'timings'));
}
const server = rows.map((r) => Date.parse(r.completed_at) - Date.parse(r.created_at));
const provider = rows.map((r) => JSON.parse(r.metadata).provider_ms);
const queued = rows.map((r) => Date.parse(r.started_at) - Date.parse(r.created_at));
const sum = (xs) => xs.reduce((a, b) => a + b, 0);
const pct = (xs, p) => { const s = [...xs].sort((a, b) => a - b); return s[Math.min(s.length - 1, Math.floor(p * s.length))]; };
const result = {
  users: USERS,
  seconds: Number(wall.toFixed(1)),
  generations: ids.length,
  per_second: Number((ids.length / wall).toFixed(2)),
  client_ms: { mean: Math.round(sum(client) / client.length), p50: Math.round(pct(client, 0.5)), p95: Math.round(pct(client, 0.95)) },
  server_ms: { mean: Math.round(sum(server) / server.length), p50: pct(server, 0.5), p95: pct(server, 0.95) },
  queued_ms: { mean: Math.round(sum(queued) / queued.length), p50: pct(queued, 0.5), p95: pct(queued, 0.95) },
  provider_ms: { mean: Math.round(sum(provider) / provider.length), p50: pct(provider, 0.5), p95: pct(provider, 0.95) },
  share_outside_provider: Number((1 - sum(provider) / sum(server)).toFixed(3)),
};
console.log(JSON.stringify(result, null, 2));
