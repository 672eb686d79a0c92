// Issue 14 on the fixture schema through postgrest-js (as supabase-js exposes it): aggregate
// functions (the suite's server sets ATELIER_REST_AGGREGATES_ENABLED=true), spread on to-many
// embeddings (PostgREST 13), empty embeddings that only filter, and one table embedded twice.
// Status, Content-Type and bodies as PostgREST documents them.
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { client, explain, http, newUser, ok } from '../support/clients.js';
import { FIXTURE_SCHEMA, server } from '../support/server.js';

export function register() {
  describe('PostgREST aggregates and embedding shapes', () => {
    let user;
    let db;
    const ids = {};

    /** Raw GET on the fixture schema as the user, for the wire: status, Content-Type, body. */
    const get = (path) => http(`/rest/v1${path}`, {
      token: user.session.access_token,
      apikey: server.anonKey,
      headers: { 'Accept-Profile': FIXTURE_SCHEMA },
    });

    before(async () => {
      user = await newUser('aggregates');
      db = client({ schema: FIXTURE_SCHEMA, accessToken: user.session.access_token });
      const characters = ok(await db.from('characters').insert([
        { user_id: user.id, name: 'Ayla', primary_trait: 'brave', secondary_trait: 'kind' },
        { user_id: user.id, name: 'Bram', primary_trait: 'brave', secondary_trait: 'wise' },
        { user_id: user.id, name: 'Cato', primary_trait: 'clever', secondary_trait: 'kind' },
      ]).select('id, name'), 'characters');
      for (const c of characters) ids[c.name] = c.id;
      const tale = (name, title, plays) => ({
        user_id: user.id, character_id: ids[name], title, content: `content of ${title}`,
        event_data: { kind: title }, play_count: plays,
      });
      ok(await db.from('tales').insert([tale('Ayla', 'Dragon', 3), tale('Ayla', 'Moon', 5), tale('Bram', 'Quiet', 2)]),
        'tales');
      ok(await db.from('duels').insert({ user_id: user.id, challenger_id: ids.Ayla, opponent_id: ids.Bram }), 'duel');
      // Someone else's rows, which RLS keeps out of every aggregate.
      const other = await newUser('aggregates-other');
      const theirs = client({ schema: FIXTURE_SCHEMA, accessToken: other.session.access_token });
      const [zed] = ok(await theirs.from('characters')
        .insert({ user_id: other.id, name: 'Zed', primary_trait: 'sly', secondary_trait: 'odd' }).select('id'), 'zed');
      ok(await theirs.from('tales').insert({ user_id: other.id, character_id: zed.id, title: 'Theirs',
        content: 'x', event_data: {}, play_count: 100 }), 'their tale');
    });

    test("select('..., tales(count)') counts each character's own tales", async () => {
      const r = await db.from('characters').select('name, tales(count)').order('name');
      assert.equal(r.error, null, explain(r));
      assert.equal(r.status, 200);
      assert.deepEqual(r.data, [
        { name: 'Ayla', tales: [{ count: 2 }] },
        { name: 'Bram', tales: [{ count: 1 }] },
        { name: 'Cato', tales: [{ count: 0 }] },
      ]);
    });

    test('count() on its own, aliased and cast, under RLS', async () => {
      assert.deepEqual(ok(await db.from('tales').select('count()'), 'count()'), [{ count: 3 }]);
      assert.deepEqual(ok(await db.from('tales').select('n:count()::text'), 'cast'), [{ n: '3' }]);
      const raw = await get('/tales?select=count()');
      assert.equal(raw.status, 200);
      assert.match(raw.headers.get('content-type'), /^application\/json/);
      assert.deepEqual(raw.json, [{ count: 3 }]);
    });

    test('sum(), avg(), min(), max() grouped by the other selected columns and embeddings', async () => {
      assert.deepEqual(
        ok(await db.from('tales').select('play_count.sum(), play_count.min(), play_count.max()'), 'plain'),
        [{ sum: 10, min: 2, max: 5 }],
      );
      const grouped = ok(await db.from('tales')
        .select('total:play_count.sum(), play_count.avg()::int, characters(name)')
        .order('characters(name)'), 'grouped');
      assert.deepEqual(grouped, [
        { total: 8, avg: 4, characters: { name: 'Ayla' } },
        { total: 2, avg: 2, characters: { name: 'Bram' } },
      ]);
      const inEmbed = ok(await db.from('characters').select('name, tales(play_count.sum())').order('name'), 'embed');
      assert.deepEqual(inEmbed.map((c) => c.tales[0].sum), [8, 2, null]);
      const hoisted = ok(await db.from('tales').select('...characters(name, n:count())').order('characters(name)'),
        'to-one spread');
      assert.deepEqual(hoisted, [{ name: 'Ayla', n: 2 }, { name: 'Bram', n: 1 }]);
    });

    test('aggregates in a to-many spread: 400 PGRST127, as PostgREST', async () => {
      const raw = await get('/characters?select=name,...tales(play_count.sum())');
      assert.equal(raw.status, 400);
      assert.match(raw.headers.get('content-type'), /^application\/json/);
      assert.deepEqual(raw.json, {
        code: 'PGRST127',
        message: 'Feature not implemented',
        details: 'Aggregates are not implemented for one-to-many or many-to-many spreads.',
        hint: null,
      });
    });

    test("spread on a to-many embedding: select('name, ...tales(title)') gives arrays", async () => {
      const r = await db.from('characters').select('name, ...tales(title, plays:play_count)')
        .order('name').order('title', { referencedTable: 'tales' });
      assert.equal(r.error, null, explain(r));
      assert.deepEqual(r.data, [
        { name: 'Ayla', title: ['Dragon', 'Moon'], plays: [3, 5] },
        { name: 'Bram', title: ['Quiet'], plays: [2] },
        { name: 'Cato', title: [], plays: [] },
      ]);
    });

    test('an empty embedding filters its parent and is not in the output', async () => {
      const r = await db.from('tales').select('title, characters!inner()').eq('characters.name', 'Bram');
      assert.equal(r.error, null, explain(r));
      assert.equal(r.status, 200);
      assert.deepEqual(r.data, [{ title: 'Quiet' }]);
    });

    test('one table embedded twice: distinct aliases work, the same key twice is 42712', async () => {
      const r = await db.from('duels')
        .select('challenger:characters!challenger_id(name), opponent:characters!opponent_id(name)');
      assert.equal(r.error, null, explain(r));
      assert.deepEqual(r.data, [{ challenger: { name: 'Ayla' }, opponent: { name: 'Bram' } }]);
      const twice = await db.from('duels').select('id, characters!challenger_id(name), characters!opponent_id(name)');
      assert.equal(twice.status, 400);
      assert.deepEqual(twice.error, {
        code: '42712',
        message: 'table name "duels_characters_1" specified more than once',
        details: null,
        hint: null,
      });
    });
  });
}
