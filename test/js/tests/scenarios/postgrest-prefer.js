// The Prefer header as PostgREST 12/13 acts on it, through postgrest-js as apps call it and raw
// fetch where the headers matter (issue 14): max-affected with handling=strict, tx=rollback|commit
// (the suite's server runs with ATELIER_REST_TX_END=commit-allow-override), counts on /rpc,
// missing=default, upserts' 200/201 and timezone, on the fixture schema's prefer_* objects.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { before, describe, test } from 'node:test';
import { client, explain, newUser } from '../support/clients.js';
import { FIXTURE_SCHEMA, server } from '../support/server.js';

export function register() {
  describe('PostgREST Prefer header on the fixture schema', () => {
    let user;
    let db;

    before(async () => {
      user = await newUser('prefer');
      db = client({ schema: FIXTURE_SCHEMA, accessToken: user.session.access_token });
    });

    const item = (name, rank) => ({ id: randomUUID(), user_id: user.id, name, rank });

    /** Replaces the user's prefer_items with `count` rows ranked 1..count. */
    async function items(count) {
      const cleared = await db.from('prefer_items').delete().eq('user_id', user.id);
      assert.equal(cleared.error, null, explain(cleared));
      const rows = Array.from({ length: count }, (_, i) => item(`item ${i + 1}`, i + 1));
      const inserted = await db.from('prefer_items').insert(rows);
      assert.equal(inserted.error, null, explain(inserted));
      return rows;
    }

    async function names() {
      const { data, error } = await db.from('prefer_items').select('name').order('rank');
      assert.equal(error, null, explain(error));
      return data.map((r) => r.name);
    }

    /** Raw HTTP on the fixture schema as the user, for the headers postgrest-js does not show. */
    function raw(method, path, { prefer, body } = {}) {
      const headers = {
        apikey: server.anonKey,
        Authorization: `Bearer ${user.session.access_token}`,
        [method === 'GET' ? 'Accept-Profile' : 'Content-Profile']: FIXTURE_SCHEMA,
        'Content-Type': 'application/json',
      };
      if (prefer) headers.Prefer = prefer;
      return fetch(`${server.url}/rest/v1${path}`, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    }

    test('max-affected with handling=strict: PGRST124 past the limit and nothing written; fine within it', async () => {
      await items(3);
      const refused = await db.from('prefer_items').delete().lt('rank', 10).maxAffected(2);
      assert.equal(refused.status, 400);
      assert.deepEqual(refused.error, {
        code: 'PGRST124',
        message: 'Query result exceeds max-affected preference constraint',
        details: 'The query affects 3 rows',
        hint: null,
      });
      assert.equal((await names()).length, 3);

      const within = await db.from('prefer_items').delete({ count: 'exact' }).lt('rank', 3).maxAffected(2);
      assert.equal(within.error, null, explain(within));
      assert.equal(within.status, 204);
      assert.equal(within.count, 2);
      assert.deepEqual(await names(), ['item 3']);

      const res = await raw('PATCH', '/prefer_items?rank=eq.3', {
        prefer: 'handling=strict, max-affected=1', body: { name: 'patched' },
      });
      assert.equal(res.status, 204);
      assert.equal(res.headers.get('preference-applied'), 'handling=strict, max-affected=1');

      await items(3);
      const rpc = await raw('POST', '/rpc/prefer_delete_items', {
        prefer: 'handling=strict, max-affected=2', body: { below: 10 },
      });
      assert.equal(rpc.status, 400);
      assert.equal((await rpc.json()).code, 'PGRST124');
      assert.equal((await names()).length, 3);
    });

    test('tx=rollback is a dry run: the answer of the write, nothing kept; tx=commit commits', async () => {
      await items(2);
      const dry = await db.from('prefer_items').insert(item('ghost', 9)).select('name').rollback();
      assert.equal(dry.error, null, explain(dry));
      assert.equal(dry.status, 201);
      assert.deepEqual(dry.data, [{ name: 'ghost' }]);

      const deleted = await raw('DELETE', `/prefer_items?user_id=eq.${user.id}`, { prefer: 'tx=rollback' });
      assert.equal(deleted.status, 204);
      assert.equal(deleted.headers.get('preference-applied'), 'tx=rollback');
      assert.deepEqual(await names(), ['item 1', 'item 2']);

      const committed = await raw('DELETE', '/prefer_items?rank=eq.1', { prefer: 'tx=commit' });
      assert.equal(committed.status, 204);
      assert.equal(committed.headers.get('preference-applied'), 'tx=commit');
      assert.deepEqual(await names(), ['item 2']);
    });

    test('rpc counts: a set of scalars and rows of a function report their total', async () => {
      await items(3);
      const ranks = await db.rpc('prefer_item_ranks', { below: 10 }, { count: 'exact' });
      assert.equal(ranks.error, null, explain(ranks));
      assert.deepEqual(ranks.data, [1, 2, 3]);
      assert.equal(ranks.count, 3);

      const page = await db.rpc('prefer_items_ranked', { below: 10 }, { count: 'exact' }).select('name').limit(1);
      assert.equal(page.error, null, explain(page));
      assert.equal(page.status, 206);
      assert.equal(page.count, 3);
      assert.deepEqual(page.data, [{ name: 'item 1' }]);

      const read = await db.rpc('prefer_item_ranks', { below: 3 }, { get: true, count: 'estimated' });
      assert.equal(read.error, null, explain(read));
      assert.equal(read.count, 2);

      const res = await raw('POST', '/rpc/prefer_item_ranks?limit=2', { prefer: 'count=exact', body: { below: 10 } });
      assert.equal(res.status, 206);
      assert.equal(res.headers.get('content-range'), '0-1/3');
      assert.equal(res.headers.get('preference-applied'), 'count=exact');
    });

    test('missing=default: identity, generated and default columns of rows that lack them', async () => {
      const { data, error, status } = await db.from('prefer_defaults')
        .insert([
          { user_id: user.id, name: 'abc' },
          { user_id: user.id, name: 'de', label: 'chosen', seq: 500 },
        ], { defaultToNull: false })
        .select('id, seq, name, label, name_length')
        .order('name');
      assert.equal(error, null, explain(error));
      assert.equal(status, 201);
      assert.equal(typeof data[0].id, 'number');
      assert.equal(typeof data[0].seq, 'number');
      assert.equal(data[0].label, 'unlabelled');
      assert.equal(data[0].name_length, 3);
      assert.equal(data[1].seq, 500);
      assert.equal(data[1].label, 'chosen');
      assert.equal(data[1].name_length, 2);
    });

    test('upsert answers 201 when it inserts and 200 when every row was updated', async () => {
      await items(0);
      const row = item('first', 1);
      const created = await db.from('prefer_items').upsert(row).select('name');
      assert.equal(created.error, null, explain(created));
      assert.equal(created.status, 201);

      const updated = await db.from('prefer_items').upsert({ ...row, name: 'updated' }).select('name');
      assert.equal(updated.error, null, explain(updated));
      assert.equal(updated.status, 200);
      assert.deepEqual(updated.data, [{ name: 'updated' }]);

      const mixed = await db.from('prefer_items').upsert([{ ...row, name: 'again' }, item('second', 2)]);
      assert.equal(mixed.error, null, explain(mixed));
      assert.equal(mixed.status, 201);
      assert.deepEqual(await names(), ['again', 'second']);
    });

    test('timezone= shows timestamptz in that zone; an unknown zone is ignored, or PGRST122 when strict', async () => {
      const row = { ...item('dated', 1), at: '2023-10-18T12:37:59.611Z' };
      const inserted = await db.from('prefer_items').insert(row);
      assert.equal(inserted.error, null, explain(inserted));
      const path = `/prefer_items?select=at&id=eq.${row.id}`;

      const la = await raw('GET', path, { prefer: 'timezone=America/Los_Angeles' });
      assert.equal(la.status, 200);
      assert.equal(la.headers.get('preference-applied'), 'timezone=America/Los_Angeles');
      assert.deepEqual(await la.json(), [{ at: '2023-10-18T05:37:59.611-07:00' }]);

      const unknown = await raw('GET', path, { prefer: 'timezone=Invalid/Timezone' });
      assert.equal(unknown.status, 200);
      assert.equal(unknown.headers.get('preference-applied'), null);

      const strict = await raw('GET', path, { prefer: 'handling=strict, timezone=Invalid/Timezone' });
      assert.equal(strict.status, 400);
      assert.deepEqual(await strict.json(), {
        code: 'PGRST122',
        message: 'Invalid preferences given with handling=strict',
        details: 'Invalid preferences: timezone=Invalid/Timezone',
        hint: null,
      });
    });
  });
}
