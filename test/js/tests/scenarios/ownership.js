// Scenarios 2-5: row-level security as InfiniteStories' policies write it, seen through
// supabase-js: own rows only, public custom events, no writes to others' rows, CHECK constraints.
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import {
  aCustomEvent, aHero, aStory, anonClient, fails, ids, newUser, ok,
} from '../support/clients.js';

export function register() {
  describe('data API: each user sees and creates only their own heroes and stories', () => {
    let a;
    let b;
    const mine = { a: {}, b: {} };

    before(async () => {
      a = await newUser('owner-a');
      b = await newUser('owner-b');
    });

    test('a user creates heroes with user_id taken from the session and gets them back', async () => {
      const { data: session } = await a.client.auth.getSession();
      const userId = session.session.user.id;
      assert.equal(userId, a.id);
      const rows = ok(await a.client.from('heroes')
        .insert([aHero(userId, { name: 'Ayla' }), aHero(userId, { name: 'Bram' })]).select(), 'insert heroes as a');
      assert.equal(rows.length, 2);
      for (const row of rows) {
        assert.equal(row.user_id, a.id);
        assert.equal(row.is_active, true, 'column default applied');
        assert.ok(row.id && row.created_at);
      }
      mine.a.heroes = rows;
      mine.b.heroes = ok(await b.client.from('heroes').insert(aHero(b.id, { name: 'Cato' })).select(), 'insert hero as b');
      assert.equal(mine.b.heroes.length, 1);
    });

    test('a user creates stories with the required columns', async () => {
      const rows = ok(await a.client.from('stories').insert([
        aStory(a.id, { hero_id: mine.a.heroes[0].id, title: 'The Whistling Dragon' }),
        aStory(a.id, { event_type: 'custom', event_data: { prompt: 'a moon picnic', tags: ['moon'] } }),
      ]).select(), 'insert stories as a');
      assert.equal(rows.length, 2);
      assert.deepEqual(rows[1].event_data, { prompt: 'a moon picnic', tags: ['moon'] }, 'event_data comes back as JSON');
      assert.equal(rows[0].language, 'en', 'column default applied');
      assert.equal(rows[0].play_count, 0);
      mine.a.stories = rows;
      mine.b.stories = ok(await b.client.from('stories').insert(aStory(b.id)).select(), 'insert story as b');
    });

    test('from(heroes).select() returns exactly the caller\'s own heroes', async () => {
      const seenByA = ok(await a.client.from('heroes').select(), 'select heroes as a');
      assert.deepEqual(ids(seenByA), ids(mine.a.heroes));
      const seenByB = ok(await b.client.from('heroes').select(), 'select heroes as b');
      assert.deepEqual(ids(seenByB), ids(mine.b.heroes));
    });

    test('from(stories).select() returns exactly the caller\'s own stories', async () => {
      assert.deepEqual(ids(ok(await a.client.from('stories').select(), 'select stories as a')), ids(mine.a.stories));
      assert.deepEqual(ids(ok(await b.client.from('stories').select(), 'select stories as b')), ids(mine.b.stories));
    });

    test('selecting another user\'s hero by id finds nothing', async () => {
      const rows = ok(await b.client.from('heroes').select('id').eq('id', mine.a.heroes[0].id), 'b selects a\'s hero');
      assert.deepEqual(rows, []);
    });

    test('inserting a hero for another user is refused by the insert policy (42501, 403)', async () => {
      const res = await b.client.from('heroes').insert(aHero(a.id, { name: 'Impostor' })).select();
      const error = fails(res, { code: '42501', status: 403 }, 'b inserts a hero owned by a');
      assert.match(error.message, /row-level security/);
      const names = ok(await a.client.from('heroes').select('name'), 'a re-reads heroes').map((h) => h.name);
      assert.ok(!names.includes('Impostor'));
    });

    test('a story without the NOT NULL event_data is refused (23502, 400)', async () => {
      const { event_data: _omitted, ...incomplete } = aStory(a.id);
      fails(await a.client.from('stories').insert(incomplete), { code: '23502', status: 400 }, 'story without event_data');
    });

    test('a story with an event_type outside built_in|custom is refused (23514, 400)', async () => {
      fails(await a.client.from('stories').insert(aStory(a.id, { event_type: 'dream' })),
        { code: '23514', status: 400 }, 'story with event_type dream');
    });
  });

  describe('data API: custom events are private unless public', () => {
    let a;
    let b;
    let publicEvent;
    let privateEvent;

    before(async () => {
      a = await newUser('events-a');
      b = await newUser('events-b');
      [publicEvent, privateEvent] = ok(await a.client.from('custom_events').insert([
        aCustomEvent(a.id, { title: 'Shared picnic', is_public: true, keywords: ['moon', 'picnic'] }),
        aCustomEvent(a.id, { title: 'Secret picnic', is_public: false, keywords: ['moon'] }),
      ]).select(), 'a inserts custom events');
    });

    test('the owner sees both their public and their private event', async () => {
      const rows = ok(await a.client.from('custom_events').select('id, is_public'), 'a lists events');
      assert.deepEqual(ids(rows), ids([publicEvent, privateEvent]));
    });

    test('another user sees the public event but not the private one', async () => {
      const rows = ok(await b.client.from('custom_events').select('id, title, is_public')
        .in('id', [publicEvent.id, privateEvent.id]), 'b lists a\'s events');
      assert.deepEqual(rows.map((r) => r.id), [publicEvent.id]);
      assert.equal(rows[0].title, 'Shared picnic');
    });

    test('an anonymous client (anon key) sees the public event but not the private one', async () => {
      const rows = ok(await anonClient().from('custom_events').select('id')
        .in('id', [publicEvent.id, privateEvent.id]), 'anon lists a\'s events');
      assert.deepEqual(rows.map((r) => r.id), [publicEvent.id]);
    });

    test('another user cannot change a public event they can read', async () => {
      const res = await b.client.from('custom_events').update({ title: 'Vandalised' }).eq('id', publicEvent.id).select();
      assert.deepEqual(ok(res, 'b updates a\'s public event'), []);
      const [row] = ok(await a.client.from('custom_events').select('title').eq('id', publicEvent.id), 'a re-reads');
      assert.equal(row.title, 'Shared picnic');
    });
  });

  describe('data API: a user cannot change or delete another user\'s rows', () => {
    let a;
    let b;
    let hero;
    let story;

    before(async () => {
      a = await newUser('victim');
      b = await newUser('intruder');
      [hero] = ok(await a.client.from('heroes').insert(aHero(a.id, { name: 'Ayla' })).select(), 'a inserts hero');
      [story] = ok(await a.client.from('stories').insert(aStory(a.id, { hero_id: hero.id, title: 'Original' })).select(), 'a inserts story');
    });

    test('updating another user\'s hero affects no row and changes nothing', async () => {
      const withRows = await b.client.from('heroes').update({ name: 'Hacked' }).eq('id', hero.id).select();
      assert.deepEqual(ok(withRows, 'b updates a\'s hero (representation)'), []);
      const counted = await b.client.from('heroes').update({ name: 'Hacked' }, { count: 'exact' }).eq('id', hero.id);
      ok(counted, 'b updates a\'s hero (count)');
      assert.equal(counted.count, 0, 'Content-Range reports zero affected rows');
      const [row] = ok(await a.client.from('heroes').select('name, updated_at').eq('id', hero.id), 'a re-reads hero');
      assert.equal(row.name, 'Ayla');
      assert.equal(row.updated_at, hero.updated_at, 'no update ran, so the updated_at trigger never fired');
    });

    test('deleting another user\'s hero affects no row and the hero survives', async () => {
      const res = await b.client.from('heroes').delete({ count: 'exact' }).eq('id', hero.id).select();
      assert.deepEqual(ok(res, 'b deletes a\'s hero'), []);
      assert.equal(res.count, 0);
      const rows = ok(await a.client.from('heroes').select('id').eq('id', hero.id), 'a re-reads hero');
      assert.equal(rows.length, 1);
    });

    test('updating and deleting another user\'s story affect no row', async () => {
      assert.deepEqual(ok(await b.client.from('stories').update({ title: 'Rewritten' }).eq('id', story.id).select(), 'b updates story'), []);
      assert.deepEqual(ok(await b.client.from('stories').delete().eq('id', story.id).select(), 'b deletes story'), []);
      const rows = ok(await a.client.from('stories').select('title').eq('id', story.id), 'a re-reads story');
      assert.deepEqual(rows, [{ title: 'Original' }]);
    });

    test('an unfiltered update or delete by another user touches none of the owner\'s rows', async () => {
      ok(await b.client.from('heroes').update({ name: 'Everyone' }).neq('name', 'nobody'), 'b updates all heroes');
      ok(await b.client.from('stories').delete().neq('title', 'nobody'), 'b deletes all stories');
      const [row] = ok(await a.client.from('heroes').select('name').eq('id', hero.id), 'a re-reads hero');
      assert.equal(row.name, 'Ayla');
      assert.equal(ok(await a.client.from('stories').select('id').eq('id', story.id), 'a re-reads story').length, 1);
    });

    test('upserting onto another user\'s hero id is refused (42501) and leaves the hero unchanged', async () => {
      const res = await b.client.from('heroes')
        .upsert(aHero(b.id, { id: hero.id, name: 'Taken over' }), { onConflict: 'id' }).select();
      fails(res, { code: '42501', status: 403 }, 'b upserts onto a\'s hero id');
      const [row] = ok(await a.client.from('heroes').select('name, user_id').eq('id', hero.id), 'a re-reads hero');
      assert.deepEqual(row, { name: 'Ayla', user_id: a.id });
    });

    test('a user cannot hand their own hero to another user (update WITH CHECK, 42501)', async () => {
      const [own] = ok(await b.client.from('heroes').insert(aHero(b.id)).select(), 'b inserts own hero');
      fails(await b.client.from('heroes').update({ user_id: a.id }).eq('id', own.id).select(),
        { code: '42501', status: 403 }, 'b moves own hero to a');
    });

    test('the owner can update and delete the same rows (control)', async () => {
      const updated = ok(await a.client.from('heroes').update({ name: 'Ayla the Bold' }).eq('id', hero.id).select(), 'a updates hero');
      assert.equal(updated.length, 1);
      assert.equal(updated[0].name, 'Ayla the Bold');
      assert.notEqual(updated[0].updated_at, hero.updated_at, 'the updated_at trigger ran');
      const deleted = ok(await a.client.from('stories').delete().eq('id', story.id).select('id'), 'a deletes story');
      assert.deepEqual(deleted, [{ id: story.id }]);
    });
  });

  describe('data API: CHECK constraints surface as PostgREST errors', () => {
    let a;

    before(async () => {
      a = await newUser('checks');
    });

    test('a hero whose primary_trait equals its secondary_trait is refused with 23514 (valid_traits)', async () => {
      const res = await a.client.from('heroes').insert(aHero(a.id, { primary_trait: 'curious', secondary_trait: 'curious' })).select();
      const error = fails(res, { code: '23514', status: 400 }, 'hero with equal traits');
      assert.match(error.message, /valid_traits/);
      assert.deepEqual(ok(await a.client.from('heroes').select('id'), 'a lists heroes'), [], 'nothing was written');
    });

    test('a hero name longer than 50 characters is refused with 23514 (hero_name_length)', async () => {
      const error = fails(await a.client.from('heroes').insert(aHero(a.id, { name: 'x'.repeat(51) })),
        { code: '23514', status: 400 }, 'hero with a 51-character name');
      assert.match(error.message, /hero_name_length/);
    });

    test('an update that breaks valid_traits is refused with 23514 and the row keeps its values', async () => {
      const [hero] = ok(await a.client.from('heroes').insert(aHero(a.id)).select(), 'insert hero');
      fails(await a.client.from('heroes').update({ secondary_trait: hero.primary_trait }).eq('id', hero.id),
        { code: '23514', status: 400 }, 'update to equal traits');
      const [row] = ok(await a.client.from('heroes').select('secondary_trait').eq('id', hero.id), 're-read');
      assert.equal(row.secondary_trait, hero.secondary_trait);
    });
  });

  describe('data API: a recorded play raises the story\'s play_count (trigger)', () => {
    let a;
    let b;
    let story;

    before(async () => {
      a = await newUser('player');
      b = await newUser('player-other');
      story = ok(await a.client.from('stories').insert(aStory(a.id)).select().single(), 'insert story');
    });

    test('two plays by the owner raise play_count to 2 and set last_played_at', async () => {
      assert.equal(story.play_count, 0);
      assert.equal(story.last_played_at, null);
      // user_id is left out: play_events.user_id defaults to auth.uid().
      ok(await a.client.from('play_events').insert([{ story_id: story.id, duration_seconds: 30 }, { story_id: story.id }]),
        'record plays');
      const row = ok(await a.client.from('stories').select('play_count, last_played_at').eq('id', story.id).single(), 're-read');
      assert.equal(row.play_count, 2);
      assert.notEqual(row.last_played_at, null);
      const plays = ok(await a.client.from('play_events').select('user_id').eq('story_id', story.id), 'list plays');
      assert.deepEqual(plays.map((p) => p.user_id), [a.id, a.id]);
    });

    test('another user cannot record a play of the owner\'s story (42501, 403)', async () => {
      fails(await b.client.from('play_events').insert({ story_id: story.id }), { code: '42501', status: 403 }, 'b records a play');
      const row = ok(await a.client.from('stories').select('play_count').eq('id', story.id).single(), 're-read');
      assert.equal(row.play_count, 2);
    });

    test('plays cannot be deleted by users: no DELETE grant, so 42501 (403) rather than zero rows', async () => {
      fails(await a.client.from('play_events').delete().eq('story_id', story.id), { code: '42501', status: 403 }, 'a deletes plays');
    });
  });
}
