// Scenarios 6-9 (data side): resource embedding, counts and ranges, inserts and upserts, filters
// and ordering, all through supabase-js's query builder.
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { aCustomEvent, aHero, aStory, fails, ids, newUser, ok } from '../support/clients.js';

const byName = (a, b) => a.name.localeCompare(b.name);
const names = (rows) => rows.map((r) => r.name);

export function register() {
  describe('data API: resource embedding along foreign keys', () => {
    let a;
    let ayla;
    let bram;
    const stories = {};

    before(async () => {
      a = await newUser('embed');
      [ayla, bram] = ok(await a.client.from('heroes')
        .insert([aHero(a.id, { name: 'Ayla' }), aHero(a.id, { name: 'Bram' })]).select(), 'insert heroes')
        .sort(byName);
      const rows = ok(await a.client.from('stories').insert([
        aStory(a.id, { hero_id: ayla.id, title: 'Dragon' }),
        aStory(a.id, { hero_id: ayla.id, title: 'Moon' }),
        aStory(a.id, { title: 'Heroless' }),
      ]).select(), 'insert stories');
      for (const s of rows) stories[s.title] = s;
      ok(await a.client.from('story_scenes').insert([
        { story_id: stories.Dragon.id, scene_number: 1, text_segment: 'It began.', illustration_prompt: 'a cave', timestamp_seconds: 0 },
        { story_id: stories.Dragon.id, scene_number: 2, text_segment: 'It ended.', illustration_prompt: 'a sunrise', timestamp_seconds: 12.5 },
      ]), 'insert scenes');
    });

    test('select(*, heroes(name)) gives each story its hero as an object, or null without one', async () => {
      const rows = ok(await a.client.from('stories').select('*, heroes(name)'), 'stories with heroes');
      assert.equal(rows.length, 3);
      const got = Object.fromEntries(rows.map((r) => [r.title, r.heroes]));
      assert.deepEqual(got, { Dragon: { name: 'Ayla' }, Moon: { name: 'Ayla' }, Heroless: null });
      const dragon = rows.find((r) => r.title === 'Dragon');
      assert.equal(dragon.id, stories.Dragon.id, '* still returns the story\'s own columns');
      assert.deepEqual(dragon.event_data, stories.Dragon.event_data);
      assert.equal(dragon.hero_id, ayla.id);
    });

    test('the reverse embedding heroes(name, stories(title)) gives arrays, empty for a hero without stories', async () => {
      const rows = ok(await a.client.from('heroes').select('name, stories(title)').order('name'), 'heroes with stories');
      assert.deepEqual(rows.map((r) => ({ name: r.name, stories: r.stories.map((s) => s.title).sort() })), [
        { name: 'Ayla', stories: ['Dragon', 'Moon'] },
        { name: 'Bram', stories: [] },
      ]);
      assert.deepEqual(Object.keys(rows[0]).sort(), ['name', 'stories'], 'only the selected columns');
    });

    test('embeddings nest: heroes -> stories -> story_scenes', async () => {
      const [row] = ok(await a.client.from('heroes').select('name, stories(title, story_scenes(scene_number))')
        .eq('id', ayla.id), 'nested embedding');
      const got = Object.fromEntries(row.stories.map((s) => [s.title, s.story_scenes.map((x) => x.scene_number).sort()]));
      assert.deepEqual(got, { Dragon: [1, 2], Moon: [] });
    });

    test('an embedded resource can be renamed with an alias', async () => {
      const [row] = ok(await a.client.from('stories').select('title, hero:heroes(name)').eq('id', stories.Moon.id), 'aliased embedding');
      assert.deepEqual(row, { title: 'Moon', hero: { name: 'Ayla' } });
    });

    test('!inner drops parents without a matching child', async () => {
      const rows = ok(await a.client.from('heroes').select('name, stories!inner(title)'), 'inner embedding');
      assert.deepEqual(names(rows), ['Ayla']);
    });

    test('another user embedding the same tables sees none of these rows', async () => {
      const b = await newUser('embed-other');
      assert.deepEqual(ok(await b.client.from('stories').select('*, heroes(name)'), 'b embeds'), []);
      assert.deepEqual(ok(await b.client.from('heroes').select('name, stories(title)'), 'b reverse embeds'), []);
    });
  });

  describe('data API: exact counts and ranges', () => {
    let a;

    before(async () => {
      a = await newUser('counts');
      ok(await a.client.from('heroes').insert([
        aHero(a.id, { name: 'Ayla' }),
        aHero(a.id, { name: 'Bram' }),
        aHero(a.id, { name: 'Cato', primary_trait: 'clever' }),
      ]), 'insert heroes');
    });

    test('head: true with count exact returns the count and no rows', async () => {
      const res = await a.client.from('heroes').select('*', { count: 'exact', head: true });
      ok(res, 'head count');
      assert.equal(res.count, 3);
      assert.equal(res.data, null);
      assert.equal(res.status, 200);
    });

    test('count exact with data returns all rows and the count', async () => {
      const res = await a.client.from('heroes').select('*', { count: 'exact' });
      assert.equal(ok(res, 'count with data').length, 3);
      assert.equal(res.count, 3);
    });

    test('range(0, 1) returns two rows and the total count, as 206 Partial Content', async () => {
      const res = await a.client.from('heroes').select('name', { count: 'exact' }).order('name').range(0, 1);
      assert.deepEqual(ok(res, 'range 0-1'), [{ name: 'Ayla' }, { name: 'Bram' }]);
      assert.equal(res.count, 3);
      assert.equal(res.status, 206);
    });

    test('range(2, 5) returns the rows that exist past the offset', async () => {
      const res = await a.client.from('heroes').select('name', { count: 'exact' }).order('name').range(2, 5);
      assert.deepEqual(ok(res, 'range 2-5'), [{ name: 'Cato' }]);
      assert.equal(res.count, 3);
    });

    test('the count honours filters', async () => {
      const res = await a.client.from('heroes').select('id', { count: 'exact', head: true }).eq('primary_trait', 'brave');
      ok(res, 'filtered count');
      assert.equal(res.count, 2);
    });

    test('the count only counts rows the caller may see', async () => {
      const b = await newUser('counts-other');
      const res = await b.client.from('heroes').select('*', { count: 'exact', head: true });
      ok(res, 'b counts heroes');
      assert.equal(res.count, 0);
    });
  });

  describe('data API: insert, single and upsert', () => {
    let a;

    before(async () => {
      a = await newUser('upsert');
    });

    test('insert(...).select().single() returns the new row as an object', async () => {
      const res = await a.client.from('heroes').insert(aHero(a.id, { name: 'Solo' })).select().single();
      const row = ok(res, 'insert single');
      assert.ok(!Array.isArray(row), 'an object, not an array');
      assert.equal(row.name, 'Solo');
      assert.equal(row.user_id, a.id);
      assert.equal(res.status, 201);
    });

    test('insert of an array creates every row', async () => {
      const rows = ok(await a.client.from('heroes')
        .insert([aHero(a.id, { name: 'Pair one' }), aHero(a.id, { name: 'Pair two', appearance: 'a blue scarf' })])
        .select(), 'insert array');
      assert.deepEqual(names(rows).sort(), ['Pair one', 'Pair two']);
      assert.equal(rows.find((r) => r.name === 'Pair one').appearance, null, 'a key missing from one object is NULL');
      assert.equal(rows.find((r) => r.name === 'Pair two').appearance, 'a blue scarf');
    });

    test('upsert with onConflict id updates the existing row in place', async () => {
      const hero = ok(await a.client.from('heroes').insert(aHero(a.id, { name: 'Before' })).select().single(), 'insert');
      const before = await a.client.from('heroes').select('*', { count: 'exact', head: true });
      const rows = ok(await a.client.from('heroes')
        .upsert({ ...aHero(a.id), id: hero.id, name: 'After', special_ability: 'flight' }, { onConflict: 'id' })
        .select(), 'upsert existing');
      assert.equal(rows.length, 1);
      assert.equal(rows[0].id, hero.id);
      assert.equal(rows[0].name, 'After');
      const after = await a.client.from('heroes').select('*', { count: 'exact', head: true });
      assert.equal(after.count, before.count, 'no row was added');
      const reread = ok(await a.client.from('heroes').select('name, special_ability').eq('id', hero.id).single(), 're-read');
      assert.deepEqual(reread, { name: 'After', special_ability: 'flight' });
    });

    test('upsert of an unknown id inserts it', async () => {
      const id = crypto.randomUUID();
      const row = ok(await a.client.from('heroes').upsert(aHero(a.id, { id, name: 'Fresh' }), { onConflict: 'id' })
        .select().single(), 'upsert new');
      assert.equal(row.id, id);
      assert.equal(ok(await a.client.from('heroes').select('id').eq('id', id), 're-read').length, 1);
    });

    test('upsert of an array updates the existing row and inserts the new one', async () => {
      const existing = ok(await a.client.from('heroes').insert(aHero(a.id, { name: 'Old name' })).select().single(), 'insert');
      const newId = crypto.randomUUID();
      const rows = ok(await a.client.from('heroes').upsert([
        aHero(a.id, { id: existing.id, name: 'New name' }),
        aHero(a.id, { id: newId, name: 'Brand new' }),
      ], { onConflict: 'id' }).select(), 'upsert array');
      assert.deepEqual(rows.map((r) => [r.id, r.name]).sort(), [[existing.id, 'New name'], [newId, 'Brand new']].sort());
    });

    test('upsert with ignoreDuplicates leaves an existing row alone', async () => {
      const hero = ok(await a.client.from('heroes').insert(aHero(a.id, { name: 'Keep me' })).select().single(), 'insert');
      const rows = ok(await a.client.from('heroes')
        .upsert(aHero(a.id, { id: hero.id, name: 'Ignored' }), { onConflict: 'id', ignoreDuplicates: true })
        .select(), 'upsert ignore');
      assert.deepEqual(rows, []);
      const reread = ok(await a.client.from('heroes').select('name').eq('id', hero.id).single(), 're-read');
      assert.equal(reread.name, 'Keep me');
    });

    test('single() on no rows fails with PGRST116 (406); maybeSingle() returns null', async () => {
      const missing = crypto.randomUUID();
      fails(await a.client.from('heroes').select().eq('id', missing).single(), { code: 'PGRST116', status: 406 }, 'single of nothing');
      const res = await a.client.from('heroes').select().eq('id', missing).maybeSingle();
      ok(res, 'maybeSingle of nothing');
      assert.equal(res.data, null);
    });

    test('a duplicate primary key without upsert is refused with 23505 (409)', async () => {
      const hero = ok(await a.client.from('heroes').insert(aHero(a.id)).select().single(), 'insert');
      fails(await a.client.from('heroes').insert(aHero(a.id, { id: hero.id })), { code: '23505', status: 409 }, 'duplicate id');
    });
  });

  describe('data API: filters and ordering', () => {
    let a;

    before(async () => {
      a = await newUser('filters');
      ok(await a.client.from('heroes').insert([
        aHero(a.id, { name: 'Ayla', primary_trait: 'brave', secondary_trait: 'kind', appearance: 'red cloak' }),
        aHero(a.id, { name: 'Bram', primary_trait: 'brave', secondary_trait: 'wise' }),
        aHero(a.id, { name: 'Cato', primary_trait: 'clever', secondary_trait: 'kind', appearance: 'tiny hat' }),
        aHero(a.id, { name: 'Dara', primary_trait: 'gentle', secondary_trait: 'curious' }),
      ]), 'insert heroes');
      ok(await a.client.from('custom_events').insert([
        aCustomEvent(a.id, { title: 'Moon picnic', keywords: ['moon', 'picnic'] }),
        aCustomEvent(a.id, { title: 'Sea voyage', keywords: ['sea', 'boat'] }),
        aCustomEvent(a.id, { title: 'No keywords' }),
        aCustomEvent(a.id, { title: 'Picnic, with (friends)' }),
      ]), 'insert events');
    });

    const heroes = () => a.client.from('heroes').select('name');

    test('eq', async () => {
      assert.deepEqual(names(ok(await heroes().eq('name', 'Bram'), 'eq')), ['Bram']);
    });

    test('neq', async () => {
      assert.deepEqual(names(ok(await heroes().neq('name', 'Bram').order('name'), 'neq')), ['Ayla', 'Cato', 'Dara']);
    });

    test('in', async () => {
      assert.deepEqual(names(ok(await heroes().in('name', ['Ayla', 'Dara', 'Nobody']).order('name'), 'in')), ['Ayla', 'Dara']);
    });

    test('in with a value that needs quoting (comma, parentheses)', async () => {
      const rows = ok(await a.client.from('custom_events').select('title').eq('user_id', a.id)
        .in('title', ['Picnic, with (friends)', 'Sea voyage']).order('title'), 'in quoted');
      assert.deepEqual(rows.map((r) => r.title), ['Picnic, with (friends)', 'Sea voyage']);
    });

    test('ilike is case-insensitive, like is not', async () => {
      assert.deepEqual(names(ok(await heroes().ilike('name', '%RA%').order('name'), 'ilike')), ['Bram', 'Dara']);
      assert.deepEqual(names(ok(await heroes().like('name', 'ay%'), 'like lower')), []);
      assert.deepEqual(names(ok(await heroes().like('name', 'Ay%'), 'like')), ['Ayla']);
    });

    test('gt / lte on text compare in collation order', async () => {
      assert.deepEqual(names(ok(await heroes().gt('name', 'Bram').lte('name', 'Cato'), 'gt lte')), ['Cato']);
    });

    test('order descending', async () => {
      assert.deepEqual(names(ok(await heroes().order('name', { ascending: false }), 'order desc')), ['Dara', 'Cato', 'Bram', 'Ayla']);
    });

    test('order by two columns', async () => {
      const rows = ok(await a.client.from('heroes').select('name, primary_trait')
        .order('primary_trait').order('name', { ascending: false }), 'order two');
      assert.deepEqual(names(rows), ['Bram', 'Ayla', 'Cato', 'Dara']);
    });

    test('order with limit', async () => {
      assert.deepEqual(names(ok(await heroes().order('name').limit(2), 'limit')), ['Ayla', 'Bram']);
    });

    test('nulls first / last in ordering', async () => {
      const first = ok(await a.client.from('heroes').select('name').order('appearance', { nullsFirst: true }).order('name'), 'nullsfirst');
      assert.deepEqual(names(first), ['Bram', 'Dara', 'Ayla', 'Cato']);
      const last = ok(await a.client.from('heroes').select('name').order('appearance', { nullsFirst: false }).order('name'), 'nullslast');
      assert.deepEqual(names(last), ['Ayla', 'Cato', 'Bram', 'Dara']);
    });

    test('is null and not is null', async () => {
      assert.deepEqual(names(ok(await heroes().is('appearance', null).order('name'), 'is null')), ['Bram', 'Dara']);
      assert.deepEqual(names(ok(await heroes().not('appearance', 'is', null).order('name'), 'not is null')), ['Ayla', 'Cato']);
    });

    test('or() combines conditions', async () => {
      const rows = ok(await heroes().or('name.eq.Ayla,primary_trait.eq.clever').order('name'), 'or');
      assert.deepEqual(names(rows), ['Ayla', 'Cato']);
    });

    test('or() with a nested and()', async () => {
      const rows = ok(await heroes().or('name.eq.Dara,and(primary_trait.eq.brave,secondary_trait.eq.wise)').order('name'), 'or/and');
      assert.deepEqual(names(rows), ['Bram', 'Dara']);
    });

    test('several filters are combined with AND', async () => {
      assert.deepEqual(names(ok(await heroes().eq('primary_trait', 'brave').is('appearance', null), 'and')), ['Bram']);
    });

    test('contains and overlaps on a text[] column', async () => {
      // Public events of other users are visible too (by policy): look at this user's own only.
      const events = () => a.client.from('custom_events').select('title').eq('user_id', a.id);
      assert.deepEqual(ok(await events().contains('keywords', ['moon']), 'cs').map((r) => r.title), ['Moon picnic']);
      const overlap = ok(await events().overlaps('keywords', ['boat', 'picnic']).order('title'), 'ov');
      assert.deepEqual(overlap.map((r) => r.title), ['Moon picnic', 'Sea voyage']);
    });

    test('a filter on an unknown column is a 400 naming the column (42703), not a 500', async () => {
      const error = fails(await heroes().eq('no_such_column', 'x'), { code: '42703', status: 400 }, 'unknown column');
      assert.match(error.message, /no_such_column/);
    });
  });
}
