// Issue 3: one scenario per app on its own schema, the way each app uses supabase-js. Users are
// the platform's (one sign-up gives a row in every app); their clients switch schema with
// .schema(name), and the catalogue and pipeline data users cannot write is seeded with a
// service-role client on the app's schema. Names carry a per-run tag so that only this run's rows
// can match a filter.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { before, describe, test } from 'node:test';
import { client, fails, ids, newUser, ok } from '../support/clients.js';
import { server } from '../support/server.js';

const TAG = randomUUID().slice(0, 8);

/** A supabase-js client with the service-role key on `schema`, as the app's server would create it. */
const serviceOn = (schema) => client({ key: server.serviceKey, schema });

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

export function register() {
  describe('MoodScale: a user logs three moods and reads them newest first; nobody else sees them', () => {
    let a;
    let b;
    let appUserId; // moodscale.users.id (serial) of a, created at sign-up
    const logged = []; // in the order a logged them

    before(async () => {
      a = await newUser('mood-a');
      b = await newUser('mood-b');
    });

    test('sign-up created the user\'s MoodScale row, linked to the identity', async () => {
      const rows = ok(await a.client.schema('moodscale').from('users').select('id, username, role'), 'a reads moodscale.users');
      assert.equal(rows.length, 1, 'a sees exactly their own users row');
      assert.equal(typeof rows[0].id, 'number', 'MoodScale keeps serial ids');
      assert.equal(rows[0].role, 'user');
      appUserId = rows[0].id;
    });

    test('three entries logged with only the access token get user_id from the column default', async () => {
      const entries = [
        { mood_score: 3, emotions: ['tired', 'anxious'], notes: 'Monday' },
        { mood_score: 6, emotions: ['calm'], notes: 'Tuesday' },
        { mood_score: 9, emotions: ['happy', 'energetic'], notes: 'Wednesday' },
      ];
      for (const entry of entries) {
        // One request per entry, as an app logs them over time: each gets its own created_at.
        const row = ok(await a.client.schema('moodscale').from('mood_entries').insert(entry).select().single(),
          `a logs ${entry.notes}`);
        assert.equal(row.user_id, appUserId, 'user_id defaulted to the caller\'s own app user id');
        assert.equal(row.mood_score, entry.mood_score);
        assert.deepEqual(row.emotions, entry.emotions, 'text[] comes back as an array');
        assert.ok(row.id && row.created_at);
        logged.push(row);
        await sleep(5);
      }
      assert.equal(logged.length, 3);
    });

    test('order(created_at, desc) returns the three entries newest first', async () => {
      const rows = ok(await a.client.schema('moodscale').from('mood_entries')
        .select('id, mood_score, notes, created_at').order('created_at', { ascending: false }), 'a reads moods newest first');
      assert.deepEqual(rows.map((r) => r.notes), ['Wednesday', 'Tuesday', 'Monday']);
      assert.deepEqual(rows.map((r) => r.id), logged.map((r) => r.id).reverse());
      const times = rows.map((r) => Date.parse(r.created_at));
      assert.ok(times[0] > times[1] && times[1] > times[2], `created_at strictly decreasing: ${rows.map((r) => r.created_at)}`);
    });

    test('a second user sees none of them, not even by id', async () => {
      assert.deepEqual(ok(await b.client.schema('moodscale').from('mood_entries').select('id'), 'b lists moods'), []);
      assert.deepEqual(ok(await b.client.schema('moodscale').from('mood_entries').select('id')
        .in('id', ids(logged)), 'b selects a\'s moods by id'), []);
    });

    test('a second user cannot log a mood into the first user\'s journal (42501, 403)', async () => {
      fails(await b.client.schema('moodscale').from('mood_entries').insert({ user_id: appUserId, mood_score: 1 }),
        { code: '42501', status: 403 }, 'b logs a mood with a\'s user_id');
      const rows = ok(await a.client.schema('moodscale').from('mood_entries').select('id'), 'a re-reads moods');
      assert.deepEqual(ids(rows), ids(logged), 'a\'s journal is unchanged');
    });

    test('anon cannot read mood entries at all (42501, 401)', async () => {
      fails(await client({ schema: 'moodscale' }).from('mood_entries').select('id'),
        { code: '42501', status: 401 }, 'anon reads mood_entries');
    });
  });

  describe('Rotation: anon lists records of a genre with their tracks embedded', () => {
    let service;
    let anon;
    const records = {}; // by key: the seeded row
    const tracks = {}; // by record key: its seeded tracks in tracklist order
    // Discogs release ids are unique across runs of the suite against one database.
    const releaseBase = 9_000_000_000 + (parseInt(TAG.slice(0, 6), 16) * 10);

    const aRecord = (key, offset, genres, styles) => ({
      discogs_release_id: releaseBase + offset,
      title: `${key} ${TAG}`,
      artist: `Artist ${key}`,
      genres,
      styles,
      release_year: 1990 + offset,
      format: 'Vinyl',
    });
    const aTrack = (recordId, trackIndex, position, title, durationSeconds) => ({
      record_id: recordId, track_index: trackIndex, position, title, duration_seconds: durationSeconds,
    });

    before(async () => {
      service = serviceOn('rotation');
      anon = client({ schema: 'rotation' });
      const rows = ok(await service.from('records').insert([
        aRecord('Techno', 1, ['Electronic'], ['Techno', 'Minimal']),
        aRecord('Crossover', 2, ['Electronic', 'Rock'], ['Krautrock']),
        aRecord('Bebop', 3, ['Jazz'], ['Bop']),
        aRecord('Silence', 4, ['Electronic'], ['Ambient']),
      ]).select(), 'service role seeds records');
      for (const row of rows) records[row.title.split(' ')[0]] = row;
      const seeded = ok(await service.from('tracks').insert([
        // Inserted out of tracklist order: the embedding's order is asked for, not assumed.
        aTrack(records.Techno.id, 1, 'A2', 'Second Pulse', 361),
        aTrack(records.Techno.id, 0, 'A1', 'First Pulse', 402),
        aTrack(records.Techno.id, 2, 'B1', 'Flipside', 298),
        aTrack(records.Crossover.id, 0, 'A1', 'Motorik', 540),
        aTrack(records.Bebop.id, 0, 'A1', 'Blue Bird', 187),
        aTrack(records.Bebop.id, 1, 'B1', 'Night Owl', 203),
      ]).select(), 'service role seeds tracks');
      for (const key of Object.keys(records)) {
        tracks[key] = seeded.filter((t) => t.record_id === records[key].id).sort((x, y) => x.track_index - y.track_index);
      }
    });

    test('the service role seeded four records, three of them Electronic, and their tracks', () => {
      assert.deepEqual(Object.keys(records).sort(), ['Bebop', 'Crossover', 'Silence', 'Techno']);
      assert.deepEqual(records.Crossover.genres, ['Electronic', 'Rock'], 'genres is a text[]');
      assert.deepEqual([tracks.Techno.length, tracks.Crossover.length, tracks.Bebop.length, tracks.Silence.length], [3, 1, 2, 0]);
    });

    test('select(*, tracks(*)).contains(genres, [Electronic]) returns exactly the Electronic records, tracks embedded', async () => {
      const rows = ok(await anon.from('records').select('*, tracks(*)')
        .contains('genres', ['Electronic'])
        .like('title', `%${TAG}`)
        .order('title'), 'anon lists Electronic records with tracks');
      assert.deepEqual(rows.map((r) => r.title), [`Crossover ${TAG}`, `Silence ${TAG}`, `Techno ${TAG}`]);
      assert.ok(!rows.some((r) => r.id === records.Bebop.id), 'the Jazz record does not come back');
      for (const row of rows) {
        assert.ok(row.genres.includes('Electronic'), `${row.title} is Electronic: ${row.genres}`);
        assert.ok(Array.isArray(row.tracks), `${row.title}: tracks embedded as an array (one-to-many)`);
        assert.deepEqual(ids(row.tracks), ids(tracks[row.title.split(' ')[0]]), `${row.title}: exactly its own tracks`);
        assert.ok(row.tracks.every((t) => t.record_id === row.id));
      }
      const techno = rows.find((r) => r.id === records.Techno.id);
      assert.equal(techno.discogs_release_id, records.Techno.discogs_release_id, '* returns the record\'s own columns');
      assert.deepEqual(techno.styles, ['Techno', 'Minimal']);
      const first = techno.tracks.find((t) => t.position === 'A1');
      assert.deepEqual({ title: first.title, duration_seconds: first.duration_seconds, track_index: first.track_index },
        { title: 'First Pulse', duration_seconds: 402, track_index: 0 }, 'tracks(*) returns the track\'s columns');
      assert.deepEqual(rows.find((r) => r.id === records.Silence.id).tracks, [], 'a record without tracks has tracks: []');
    });

    test('the embedded tracks can be ordered by track_index and narrowed to some columns', async () => {
      const [row] = ok(await anon.from('records').select('title, tracks(position, title)')
        .contains('genres', ['Electronic']).eq('id', records.Techno.id)
        .order('track_index', { referencedTable: 'tracks' }), 'anon reads Techno\'s tracklist');
      assert.deepEqual(row, {
        title: `Techno ${TAG}`,
        tracks: [{ position: 'A1', title: 'First Pulse' }, { position: 'A2', title: 'Second Pulse' }, { position: 'B1', title: 'Flipside' }],
      });
    });

    test('contains needs every listed genre: [Electronic, Rock] matches only the crossover record', async () => {
      const rows = ok(await anon.from('records').select('title').contains('genres', ['Electronic', 'Rock'])
        .like('title', `%${TAG}`), 'anon lists Electronic+Rock records');
      assert.deepEqual(rows, [{ title: `Crossover ${TAG}` }]);
    });

    test('anon cannot add to the catalogue (42501, 401)', async () => {
      fails(await anon.from('records').insert(aRecord('Bootleg', 9, ['Electronic'], [])),
        { code: '42501', status: 401 }, 'anon inserts a record');
      fails(await anon.from('tracks').insert(aTrack(records.Silence.id, 0, 'A1', 'Bootleg', 1)),
        { code: '42501', status: 401 }, 'anon inserts a track');
      assert.deepEqual(ok(await service.from('tracks').select('id').eq('record_id', records.Silence.id), 'service re-reads'), []);
    });
  });

  describe('Delula: hidden tags are invisible to users and anon, visible to the service role', () => {
    let user;
    let service;
    const visible = [`portrait-${TAG}`, `neon-${TAG}`];
    const hidden = [`category:people-${TAG}`, `workflow:video-${TAG}`, `internal-${TAG}`];
    const inactive = `retired-${TAG}`;
    const all = [...visible, ...hidden, inactive];
    const seeded = {};

    before(async () => {
      user = await newUser('delula');
      service = serviceOn('delula');
      const rows = ok(await service.from('tags').insert([
        { name: visible[0], description: 'Portraits', color: '#FF8800' },
        { name: visible[1], color: '#00FFCC', is_hidden: false },
        { name: hidden[0], is_hidden: true },
        { name: hidden[1], is_hidden: true },
        { name: hidden[2], is_hidden: true },
        { name: inactive, is_active: false },
        // Keys missing from a row take the column default (Prefer: missing=default), not NULL.
      ], { defaultToNull: false }).select(), 'service role seeds tags');
      for (const row of rows) seeded[row.name] = row;
    });

    test('the service role seeds visible, hidden and inactive tags', () => {
      assert.deepEqual(Object.keys(seeded).sort(), [...all].sort());
      assert.equal(seeded[visible[0]].is_hidden, false, 'is_hidden defaults to false');
      assert.equal(seeded[visible[0]].is_active, true, 'is_active defaults to true');
    });

    test('a category:* or workflow:* tag that is not hidden is refused (23514 tags_system_prefix_hidden)', async () => {
      for (const name of [`category:landscape-${TAG}`, `workflow:image-${TAG}`]) {
        const error = fails(await service.from('tags').insert({ name }), { code: '23514', status: 400 }, `insert visible ${name}`);
        assert.match(error.message, /tags_system_prefix_hidden/);
      }
      const left = ok(await service.from('tags').select('name').like('name', `%:%-${TAG}`).order('name'), 'service re-reads prefixed tags');
      assert.deepEqual(left.map((t) => t.name), [hidden[0], hidden[1]].sort(), 'nothing was written');
    });

    for (const who of ['a signed-in user', 'anon']) {
      test(`${who} sees only the visible tags`, async () => {
        const db = who === 'anon' ? client({ schema: 'delula' }) : user.client.schema('delula');
        const ours = ok(await db.from('tags').select('id, name, is_hidden').in('name', all).order('name'), `${who} lists tags`);
        assert.deepEqual(ours.map((t) => t.name), [...visible].sort());
        assert.ok(ours.every((t) => t.is_hidden === false));
        const everything = ok(await db.from('tags').select('name, is_hidden, is_active'), `${who} lists every tag`);
        assert.ok(everything.length >= visible.length);
        assert.deepEqual(everything.filter((t) => t.is_hidden || !t.is_active), [], 'no hidden or inactive tag anywhere');
      });

      test(`${who} cannot reach a hidden tag by filtering for it`, async () => {
        const db = who === 'anon' ? client({ schema: 'delula' }) : user.client.schema('delula');
        assert.deepEqual(ok(await db.from('tags').select('id').eq('is_hidden', true), `${who} filters is_hidden=true`), []);
        assert.deepEqual(ok(await db.from('tags').select('id').like('name', 'category:%'), `${who} filters category:*`), []);
        assert.deepEqual(ok(await db.from('tags').select('id').eq('id', seeded[hidden[2]].id), `${who} selects a hidden tag by id`), []);
      });
    }

    test('a user cannot reveal a hidden tag: the update touches no row', async () => {
      const res = await user.client.schema('delula').from('tags').update({ is_hidden: false }).eq('id', seeded[hidden[2]].id).select();
      assert.deepEqual(ok(res, 'user un-hides a tag'), []);
      const [row] = ok(await service.from('tags').select('is_hidden').eq('id', seeded[hidden[2]].id), 'service re-reads');
      assert.equal(row.is_hidden, true);
    });

    test('a user cannot create a tag (42501, 403)', async () => {
      fails(await user.client.schema('delula').from('tags').insert({ name: `mine-${TAG}` }),
        { code: '42501', status: 403 }, 'user inserts a tag');
    });

    test('the service role sees every tag, hidden and inactive included', async () => {
      const rows = ok(await service.from('tags').select('id, name, is_hidden, is_active').in('name', all), 'service lists tags');
      assert.deepEqual(ids(rows), ids(Object.values(seeded)));
      assert.deepEqual(rows.filter((t) => t.is_hidden).map((t) => t.name).sort(), [...hidden].sort());
    });
  });

  describe('Algorhythmic: a user\'s art sessions whose styles overlap a list, by quality_score', () => {
    let a;
    let b;
    const noir = `noir-${TAG}`;
    const cubism = `cubism-${TAG}`;
    const watercolor = `watercolor-${TAG}`;
    const art = {};

    const artwork = (userId, label, styles, qualityScore) => ({
      session_id: randomUUID(),
      user_id: userId,
      image_url: `https://cdn.atelier.test/art/${label}-${TAG}.png`,
      prompt: `${label} in ${styles.join(' and ')}`,
      styles,
      quality_score: qualityScore,
    });

    before(async () => {
      a = await newUser('art-a');
      b = await newUser('art-b');
      const rows = ok(await serviceOn('algorhythmic').from('art_sessions').insert([
        artwork(a.id, 'a-both', [noir, cubism], 70),
        artwork(a.id, 'a-cubism', [cubism, 'minimal'], 90),
        artwork(a.id, 'a-noir', [noir], 40),
        artwork(a.id, 'a-watercolor', [watercolor], 95),
        artwork(a.id, 'a-none', [], 99),
        artwork(b.id, 'b-noir', [noir, cubism], 80),
      ]).select('id, user_id, image_url, quality_score'), 'service role seeds art sessions');
      for (const row of rows) art[new URL(row.image_url).pathname.slice('/art/'.length, -`-${TAG}.png`.length)] = row;
    });

    test('users cannot insert art sessions themselves (42501, 403)', async () => {
      fails(await a.client.schema('algorhythmic').from('art_sessions').insert(artwork(a.id, 'a-forged', [noir], 100)),
        { code: '42501', status: 403 }, 'a inserts an art session');
    });

    test('overlaps(styles).order(quality_score desc) returns exactly the user\'s matching rows, best first', async () => {
      assert.equal(Object.keys(art).length, 6, 'all six art sessions were seeded');
      const rows = ok(await a.client.schema('algorhythmic').from('art_sessions')
        .select('id, user_id, styles, quality_score')
        .overlaps('styles', [noir, cubism])
        .order('quality_score', { ascending: false }), 'a reads overlapping art sessions');
      assert.deepEqual(rows.map((r) => r.id), [art['a-cubism'].id, art['a-both'].id, art['a-noir'].id]);
      assert.deepEqual(rows.map((r) => r.quality_score), [90, 70, 40]);
      assert.ok(rows.every((r) => r.user_id === a.id));
      assert.ok(!rows.some((r) => r.id === art['b-noir'].id), 'b\'s matching artwork never appears');
    });

    test('the same read with user_id=eq.<own id>, as the notes advise, gives the same rows', async () => {
      const rows = ok(await a.client.schema('algorhythmic').from('art_sessions').select('id')
        .eq('user_id', a.id).overlaps('styles', [noir, cubism]).order('quality_score', { ascending: false }), 'a reads own overlapping');
      assert.deepEqual(rows.map((r) => r.id), [art['a-cubism'].id, art['a-both'].id, art['a-noir'].id]);
    });

    test('asking for the other user\'s artwork by user_id finds nothing', async () => {
      const rows = ok(await a.client.schema('algorhythmic').from('art_sessions').select('id')
        .eq('user_id', b.id).overlaps('styles', [noir, cubism]), 'a reads b\'s art sessions');
      assert.deepEqual(rows, []);
    });

    test('the other user gets only their own matching row; anon gets none (not library artwork)', async () => {
      const rows = ok(await b.client.schema('algorhythmic').from('art_sessions').select('id')
        .overlaps('styles', [noir, cubism]).order('quality_score', { ascending: false }), 'b reads overlapping');
      assert.deepEqual(rows.map((r) => r.id), [art['b-noir'].id]);
      assert.deepEqual(ok(await client({ schema: 'algorhythmic' }).from('art_sessions').select('id')
        .overlaps('styles', [noir, cubism]), 'anon reads overlapping'), []);
    });
  });
}
