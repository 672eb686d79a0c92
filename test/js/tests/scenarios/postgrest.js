// PostgREST's dialect on the data API's test-only schema `rest_fixture` (the Java tests' fixture,
// applied by support/server.js), through postgrest-js as supabase-js exposes it: what PostgREST
// documents, asserted on status, headers and body. Issue 14's features add their cases here or in
// modules beside it.
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { client, explain, newUser } from '../support/clients.js';
import { FIXTURE_SCHEMA } from '../support/server.js';

export function register() {
  describe('PostgREST dialect on the fixture schema', () => {
    let user;
    let db;

    before(async () => {
      user = await newUser('fixture');
      db = client({ schema: FIXTURE_SCHEMA, accessToken: user.session.access_token });
    });

    test('a user writes and reads their own rows of the fixture schema; anon sees only public ones', async () => {
      const mine = [
        { user_id: user.id, title: 'js.private', prompt_seed: 's', is_public: false },
        { user_id: user.id, title: 'js.public', prompt_seed: 's', is_public: true },
      ];
      const inserted = await db.from('events').insert(mine).select('title, is_public');
      assert.equal(inserted.error, null, explain(inserted));
      assert.equal(inserted.status, 201);
      assert.deepEqual(inserted.data.map((e) => e.title).sort(), ['js.private', 'js.public']);

      const own = await db.from('events').select('title', { count: 'exact' }).eq('user_id', user.id);
      assert.equal(own.error, null, explain(own));
      assert.equal(own.count, 2);

      const anon = await client({ schema: FIXTURE_SCHEMA }).from('events').select('title').eq('user_id', user.id);
      assert.equal(anon.error, null, explain(anon));
      assert.deepEqual(anon.data, [{ title: 'js.public' }]);
    });
  });
}
