// Issue 11: Delula as its users meet it. A guest signs in anonymously (supabase-js
// signInAnonymously), generates an image from a recipe (POST /api/v1/delula/generations, then
// polls GET until it is completed), sees the balance drop through the data API, tries a recipe
// whose provider fails (ATELIER_AI_LOCAL_FAULTS in support/server.js) and gets the credits back,
// then becomes a registered user with updateUser and keeps its generations, assets and credits.
// The ledger's reconcile finds no drift at the end.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { before, describe, test } from 'node:test';
import { client, explain, ok, uniqueEmail } from '../support/clients.js';
import { server } from '../support/server.js';

const TAG = randomUUID().slice(0, 8);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** The app's own endpoints, called with the user's access token as the app's frontend does. */
async function api(method, path, token, body, headers = {}) {
  const response = await fetch(`${server.url}${path}`, {
    method,
    headers: {
      apikey: server.anonKey,
      ...(token ? { Authorization: `Bearer ${token}` } : {}),
      ...(body ? { 'Content-Type': 'application/json' } : {}),
      ...headers,
    },
    body: body ? JSON.stringify(body) : undefined,
    signal: AbortSignal.timeout(30_000),
  });
  const text = await response.text();
  let json = null;
  try { json = text ? JSON.parse(text) : null; } catch { json = text; }
  return { status: response.status, json };
}

async function untilFinished(token, shortId) {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const { status, json } = await api('GET', `/api/v1/delula/generations/${shortId}`, token);
    assert.equal(status, 200, `GET generation ${shortId}: ${JSON.stringify(json)}`);
    if (json.status === 'completed' || (json.status === 'failed' && json.refunded_at)) return json;
    assert.ok(Date.now() < deadline, `generation ${shortId} still ${json.status} after 30 s`);
    await sleep(100);
  }
}

export function register() {
  describe('Delula: a guest generates, a failing recipe refunds, the guest registers and keeps everything', () => {
    const service = () => client({ key: server.serviceKey, schema: 'delula' });
    let guest; // supabase-js client holding the anonymous session
    let userId;
    let token;
    let recipe;
    let failing;
    let completed;
    let failed;

    before(async () => {
      const steps = [{ id: 'subject', type: 'text', required: true, max_length: 200 },
        { id: 'style', type: 'select', options: ['ink', 'oil'], default: 'ink' }];
      recipe = ok(await service().from('recipes').insert({
        name: `Portrait ${TAG}`, slug: `e2e-delula-${TAG}`, prompt: 'a portrait of {{subject}} in {{style}}',
        recipe_steps: steps, workflow_type: 'image', generation_type: 'image', category: 'e2e', credit_cost: 3,
        is_active: true,
      }).select().single(), 'service role adds a recipe');
      failing = ok(await service().from('recipes').insert({
        name: 'Always failing', slug: 'e2e-delula-failing', prompt: '{{subject}}', recipe_steps: steps,
        workflow_type: 'image', generation_type: 'image', category: 'e2e', credit_cost: 2, is_active: true,
      }).select().single(), 'service role adds the failing recipe');
    });

    test('signInAnonymously gives a Guest with the opening credits', async () => {
      guest = client({ schema: 'delula' });
      const { data, error } = await guest.auth.signInAnonymously();
      assert.equal(error, null, explain(error));
      assert.equal(data.user.is_anonymous, true);
      assert.equal(data.user.role, 'authenticated');
      userId = data.user.id;
      token = data.session.access_token;
      const rows = ok(await guest.from('users').select('account_type, credits'), 'guest reads delula.users');
      assert.deepEqual(rows, [{ account_type: 2, credits: 10 }]);
    });

    test('a generation is accepted, completes, and its image opens', async () => {
      const started = await api('POST', '/api/v1/delula/generations', token,
        { recipe_id: recipe.id, inputs: { subject: 'a cat' } }, { 'Idempotency-Key': `e2e-${TAG}` });
      assert.equal(started.status, 202, JSON.stringify(started.json));
      assert.match(started.json.short_id, /^[A-Za-z0-9_-]{11}$/);
      // A retry with the same key is the same generation.
      const again = await api('POST', '/api/v1/delula/generations', token,
        { recipe_id: recipe.id, inputs: { subject: 'a cat' } }, { 'Idempotency-Key': `e2e-${TAG}` });
      assert.equal(again.json.short_id, started.json.short_id);
      completed = await untilFinished(token, started.json.short_id);
      assert.equal(completed.status, 'completed');
      assert.equal(completed.prompt, 'a portrait of a cat in ink');
      const image = await fetch(`${server.url}${completed.result.image_url}`);
      assert.equal(image.status, 200);
      assert.equal(image.headers.get('content-type'), 'image/png');
    });

    test('the balance dropped by the recipe\'s cost, once', async () => {
      const [row] = ok(await guest.from('users').select('credits'), 'guest reads the balance');
      assert.equal(row.credits, 7);
      const credits = await api('GET', '/api/v1/delula/credits', token);
      assert.equal(credits.json.available, 7);
      const rows = ok(await guest.from('generations').select('short_id, status, credits_cost'), 'guest lists generations');
      assert.deepEqual(rows, [{ short_id: completed.short_id, status: 'completed', credits_cost: 3 }]);
    });

    test('a recipe whose provider fails ends failed and gives the credits back', async () => {
      const started = await api('POST', '/api/v1/delula/generations', token,
        { recipe_id: failing.id, inputs: { subject: 'x' } });
      assert.equal(started.status, 202, JSON.stringify(started.json));
      const credits = await api('GET', '/api/v1/delula/credits', token);
      assert.equal(credits.json.available, 5, 'the cost is held while it runs');
      failed = await untilFinished(token, started.json.short_id);
      assert.equal(failed.status, 'failed');
      assert.ok(failed.refunded_at, 'refunded_at is set');
      assert.match(failed.error, /failing on purpose/);
      const after = await api('GET', '/api/v1/delula/credits', token);
      assert.equal(after.json.balance, 7);
      assert.equal(after.json.available, 7);
      const [generation] = ok(await guest.from('generations').select('id').eq('short_id', failed.short_id),
        'guest reads the failed generation');
      const rows = ok(await guest.from('credit_transactions').select('type, amount')
        .eq('generation_id', generation.id).order('id'), 'guest reads its credit history');
      assert.deepEqual(rows, [{ type: 'generation', amount: -2 }, { type: 'refund', amount: 2 }],
        'charged and refunded once');
    });

    test('updateUser with an e-mail and password makes the guest Registered, keeping everything', async () => {
      const email = uniqueEmail('delula-guest');
      const { data, error } = await guest.auth.updateUser({ email, password: 'guest password 1' });
      assert.equal(error, null, explain(error));
      assert.equal(data.user.is_anonymous, false);
      assert.equal(data.user.email, email);

      const registered = client({ schema: 'delula' });
      const signedIn = await registered.auth.signInWithPassword({ email, password: 'guest password 1' });
      assert.equal(signedIn.error, null, explain(signedIn.error));
      assert.equal(signedIn.data.user.id, userId, 'the same identity');
      const [row] = ok(await registered.from('users').select('account_type, credits, email'), 'reads delula.users');
      assert.deepEqual(row, { account_type: 3, credits: 7, email });
      const generations = ok(await registered.from('generations').select('short_id, status').order('id'), 'lists generations');
      assert.deepEqual(generations.map((g) => g.short_id), [completed.short_id, failed.short_id]);
      const assets = ok(await registered.from('user_assets').select('source, generation_id'), 'lists assets');
      assert.ok(assets.length >= 1 && assets.every((a) => a.source === 'generation'), JSON.stringify(assets));
      const kept = await api('GET', `/api/v1/delula/generations/${completed.short_id}`, signedIn.data.session.access_token);
      assert.equal(kept.json.status, 'completed');
    });

    test('the ledger reconcile finds no drift', async () => {
      const { status, json } = await api('GET', '/api/v1/admin/ledger/reconcile', server.serviceKey);
      assert.equal(status, 200);
      assert.equal(json.drift, 0, JSON.stringify(json.drifts));
    });
  });
}
