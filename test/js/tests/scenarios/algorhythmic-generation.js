// Issue 11: an Algorhythmic user generates art. They open a session through supabase-js, ask the
// server for a generation (POST /api/v1/algorhythmic/generations with their access token and an
// Idempotency-Key), follow it until it completes, and see the artwork with its image URL, which
// anyone can open. Their balance dropped by the generation's cost, once; the ledger reconciles.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { before, describe, test } from 'node:test';
import { newUser, ok } from '../support/clients.js';
import { server } from '../support/server.js';

const API = '/api/v1/algorhythmic/generations';
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function call(user, method, path, { body, key } = {}) {
  const headers = { Authorization: `Bearer ${user.session.access_token}`, apikey: server.anonKey };
  if (body) headers['Content-Type'] = 'application/json';
  if (key) headers['Idempotency-Key'] = key;
  const response = await fetch(server.url + path, { method, headers, body: body && JSON.stringify(body) });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : null };
}

async function balance(user) {
  const rows = ok(await user.client.schema('algorhythmic').from('user_credits').select('balance'), 'reads user_credits');
  return rows[0].balance;
}

export function register() {
  describe('Algorhythmic: a user generates art and sees it with its image URL', () => {
    let user;
    let sessionId;

    before(async () => {
      user = await newUser('art');
      const session = ok(await user.client.schema('algorhythmic').from('sessions').insert({}).select().single(),
        'opens a session');
      sessionId = session.id;
    });

    test('a generation is charged once, completes, and its artwork is in the pool with a public image', async () => {
      const start = await balance(user);
      const key = randomUUID();
      const request = { session_id: sessionId, music_track: 'So What', music_artist: 'Miles Davis', music_genre: 'jazz',
        audio_features: { tempo: 136, energy: 0.4 } };
      const started = await call(user, 'POST', API, { body: request, key });
      assert.equal(started.status, 202, JSON.stringify(started.body));
      const again = await call(user, 'POST', API, { body: request, key });
      assert.equal(again.status, 200, 'the same key answers the same generation');
      assert.equal(again.body.id, started.body.id);

      let generation;
      for (let i = 0; i < 100; i += 1) {
        generation = (await call(user, 'GET', `${API}/${started.body.id}`)).body;
        if (['completed', 'failed', 'timeout'].includes(generation.status)) break;
        await sleep(100);
      }
      assert.equal(generation.status, 'completed', JSON.stringify(generation));
      assert.match(generation.artwork.image_url, /^\/storage\/v1\/object\/public\/art\/public\/generated\//);

      const image = await fetch(server.url + generation.artwork.image_url);
      assert.equal(image.status, 200, 'anyone opens the image');
      assert.equal(image.headers.get('content-type'), 'image/png');
      const bytes = Buffer.from(await image.arrayBuffer());
      assert.equal(bytes.subarray(1, 4).toString(), 'PNG');

      const art = ok(await user.client.schema('algorhythmic').from('art_sessions')
        .select('id, image_url, width, height, styles, motifs, quality_score').eq('id', generation.artwork.id).single(),
      'reads the artwork through /rest/v1');
      assert.equal(art.image_url, generation.artwork.image_url);
      assert.ok(art.styles.length > 0 && art.motifs.length > 0);
      assert.equal(await balance(user), start - generation.cost, 'charged the generation\'s cost once');
    });

    test('the credit ledger reconciles', async () => {
      const response = await fetch(`${server.url}/api/v1/admin/ledger/reconcile`, {
        headers: { Authorization: `Bearer ${server.serviceKey}`, apikey: server.serviceKey },
      });
      const body = await response.json();
      assert.equal(response.status, 200, JSON.stringify(body));
      assert.equal(body.drift, 0, JSON.stringify(body));
    });
  });
}
