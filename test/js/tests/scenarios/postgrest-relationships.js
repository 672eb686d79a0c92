// PostgREST's computed fields, computed relationships, relationships through views and
// self-referencing embeds, through postgrest-js as supabase-js exposes it, on the fixture schema
// (test migrations V20–V22: seeded books, authors and nodes; characters and tales under RLS; V50–V51:
// views that get their tables' keys).
// Raw fetch where the wire matters (status, Content-Type, Content-Range).
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { before, describe, test } from 'node:test';
import { client, explain, http, newUser } from '../support/clients.js';
import { FIXTURE_SCHEMA, server } from '../support/server.js';

export function register() {
  describe('PostgREST computed and view relationships', () => {
    let user;
    let db;
    let anon;

    before(async () => {
      user = await newUser('relationships');
      db = client({ schema: FIXTURE_SCHEMA, accessToken: user.session.access_token });
      anon = client({ schema: FIXTURE_SCHEMA });
      const characters = await db
        .from('characters')
        .insert([
          { user_id: user.id, name: 'Ayla', primary_trait: 'brave', secondary_trait: 'kind' },
          { user_id: user.id, name: 'Bram', primary_trait: 'wise', secondary_trait: 'kind' },
        ])
        .select('id, name');
      assert.equal(characters.error, null, explain(characters));
      const ayla = characters.data.find((c) => c.name === 'Ayla').id;
      const tales = await db.from('tales').insert([
        { user_id: user.id, character_id: ayla, title: 'Dragon', content: 'd', event_data: {}, play_count: 3 },
        { user_id: user.id, character_id: ayla, title: 'Moon', content: 'm', event_data: {}, play_count: 7 },
      ]);
      assert.equal(tales.error, null, explain(tales));
    });

    test('a computed field is selected, filtered and ordered like a column', async () => {
      const res = await db
        .from('characters')
        .select('name, full_name')
        .like('full_name', '*the*')
        .order('full_name', { ascending: false });
      assert.equal(res.error, null, explain(res));
      assert.equal(res.status, 200);
      assert.deepEqual(res.data, [
        { name: 'Bram', full_name: 'Bram the wise' },
        { name: 'Ayla', full_name: 'Ayla the brave' },
      ]);
      const one = await db.from('characters').select('who:full_name').eq('full_name', 'Ayla the brave').single();
      assert.equal(one.error, null, explain(one));
      assert.deepEqual(one.data, { who: 'Ayla the brave' });
    });

    test('a computed field the role may not execute is 42501, 403 signed in and 401 anonymous', async () => {
      const denied = await db.from('characters').select('name, sealed_rank');
      assert.equal(denied.status, 403);
      assert.equal(denied.error.code, '42501');
      assert.equal(denied.error.message, 'permission denied for function sealed_rank');
      assert.equal(denied.data, null);
      const raw = await http(`/rest/v1/characters?select=name&order=sealed_rank`, {
        apikey: server.anonKey,
        headers: { 'Accept-Profile': FIXTURE_SCHEMA },
      });
      assert.equal(raw.status, 401);
      assert.match(raw.headers.get('content-type'), /^application\/json/);
      assert.equal(raw.json.code, '42501');
    });

    test('a function returning SETOF another table embeds to-many; ROWS 1 and single rows embed to-one', async () => {
      const many = await db.from('characters').select('name, top_tales(title, play_count)').order('name');
      assert.equal(many.error, null, explain(many));
      assert.deepEqual(many.data, [
        { name: 'Ayla', top_tales: [{ title: 'Moon', play_count: 7 }, { title: 'Dragon', play_count: 3 }] },
        { name: 'Bram', top_tales: [] },
      ]);
      const inner = await db.from('characters').select('name, top_tales!inner(title)').eq('top_tales.title', 'Dragon');
      assert.equal(inner.error, null, explain(inner));
      assert.deepEqual(inner.data, [{ name: 'Ayla', top_tales: [{ title: 'Dragon' }] }]);

      // rel_authors(rel_books) overrides the two foreign keys (which alone would answer 300).
      const one = await anon.from('rel_books').select('title, rel_authors(name), editor(name)').in('id', [1, 2]).order('id');
      assert.equal(one.error, null, explain(one));
      assert.deepEqual(one.data, [
        { title: 'Earthsea', rel_authors: { name: 'Ursula' }, editor: { name: 'Neil' } },
        { title: 'The Dispossessed', rel_authors: { name: 'Ursula' }, editor: { name: null } },
      ]);
      const ambiguous = await anon.from('rel_authors').select('name, rel_books(title)');
      assert.equal(ambiguous.status, 300);
      assert.equal(ambiguous.error.code, 'PGRST201');
    });

    test('views embed and are embedded through their base tables\' foreign keys', async () => {
      const toOne = await anon.from('rel_book_cards').select('title, rel_authors(name), rel_author_names(shout)').eq('id', 3);
      assert.equal(toOne.error, null, explain(toOne));
      assert.deepEqual(toOne.data, [{ title: 'Mort', rel_authors: { name: 'Terry' }, rel_author_names: { shout: 'TERRY' } }]);

      const res = await http(
        `/rest/v1/rel_authors?select=name,rel_book_cards(title)&id=eq.1&rel_book_cards.order=id`,
        { apikey: server.anonKey, headers: { 'Accept-Profile': FIXTURE_SCHEMA, Prefer: 'count=exact' } },
      );
      assert.equal(res.status, 200);
      assert.equal(res.headers.get('content-range'), '0-0/1');
      assert.deepEqual(res.json, [{ name: 'Ursula', rel_book_cards: [{ title: 'Earthsea' }, { title: 'The Dispossessed' }] }]);

      const nested = await anon.from('rel_book_titles').select('book_title, rel_authors(name)').order('book_title').limit(1);
      assert.equal(nested.error, null, explain(nested));
      assert.deepEqual(nested.data, [{ book_title: 'Earthsea', rel_authors: { name: 'Ursula' } }]);
    });

    test('views over tables of a schema the API does not expose embed each other', async () => {
      const res = await anon.from('rel_shelves').select('label, rel_volumes(title)').order('id').order('id', { referencedTable: 'rel_volumes' });
      assert.equal(res.error, null, explain(res));
      assert.equal(res.status, 200);
      assert.deepEqual(res.data, [
        { label: 'fiction', rel_volumes: [{ title: 'Dune' }, { title: 'Emma' }] },
        { label: 'poetry', rel_volumes: [{ title: 'Odes' }] },
      ]);
      const up = await anon.from('rel_volumes').select('title, shelf:rel_shelves(label)').eq('id', 3).single();
      assert.equal(up.error, null, explain(up));
      assert.deepEqual(up.data, { title: 'Odes', shelf: { label: 'poetry' } });
    });

    test('a view of a hidden junction table joins many-to-many (the view has the junction\'s key)', async () => {
      const res = await anon
        .from('rel_books')
        .select('title, rel_tags(name)')
        .order('id')
        .order('id', { referencedTable: 'rel_tags' });
      assert.equal(res.error, null, explain(res));
      assert.equal(res.status, 200);
      assert.deepEqual(res.data, [
        { title: 'Earthsea', rel_tags: [{ name: 'fantasy' }] },
        { title: 'The Dispossessed', rel_tags: [{ name: 'utopia' }] },
        { title: 'Mort', rel_tags: [{ name: 'fantasy' }, { name: 'satire' }] },
        { title: 'Good Omens', rel_tags: [{ name: 'satire' }] },
      ]);
      const hinted = await anon.from('rel_tags').select('name, rel_books!rel_book_tags(title)').eq('id', 3).single();
      assert.equal(hinted.error, null, explain(hinted));
      assert.equal(hinted.status, 200);
      assert.deepEqual(hinted.data, { name: 'utopia', rel_books: [{ title: 'The Dispossessed' }] });
    });

    test('a foreign key that is also a view\'s key embeds one-to-one: an object, not an array', async () => {
      const res = await anon.from('rel_authors').select('name, rel_author_bios(bio)').order('id');
      assert.equal(res.error, null, explain(res));
      assert.equal(res.status, 200);
      assert.deepEqual(res.data, [
        { name: 'Ursula', rel_author_bios: { bio: 'Wrote of Earthsea' } },
        { name: 'Terry', rel_author_bios: { bio: 'Wrote of the Disc' } },
        { name: 'Neil', rel_author_bios: null },
      ]);
      // A view on the view, from a view: raw, for the wire.
      const raw = await http(`/rest/v1/rel_author_names?select=name,rel_bio_lines(line)&author_id=eq.1`, {
        apikey: server.anonKey,
        headers: { 'Accept-Profile': FIXTURE_SCHEMA },
      });
      assert.equal(raw.status, 200);
      assert.match(raw.headers.get('content-type'), /^application\/json/);
      assert.deepEqual(raw.json, [{ name: 'Ursula', rel_bio_lines: { line: 'Wrote of Earthsea' } }]);
    });

    test('an upsert on a view merges on the key it has from its table', async () => {
      const pin = randomUUID();
      const created = await db.from('rel_pins').upsert({ pin, label: 'first' }).select('pin, label');
      assert.equal(created.error, null, explain(created));
      assert.equal(created.status, 201);
      assert.deepEqual(created.data, [{ pin, label: 'first' }]);
      const merged = await db.from('rel_pins').upsert({ pin, label: 'second' }).select('pin, label');
      assert.equal(merged.error, null, explain(merged));
      assert.equal(merged.status, 200);
      assert.deepEqual(merged.data, [{ pin, label: 'second' }]);
    });

    test('a self-reference by the table\'s name embeds the children; the column\'s name the parent', async () => {
      const children = await anon
        .from('rel_nodes')
        .select('name, rel_nodes(name)')
        .in('id', [1, 4])
        .order('id')
        .order('id', { referencedTable: 'rel_nodes' });
      assert.equal(children.error, null, explain(children));
      assert.equal(children.status, 200);
      assert.deepEqual(children.data, [
        { name: 'root', rel_nodes: [{ name: 'left' }, { name: 'right' }] },
        { name: 'leaf', rel_nodes: [] },
      ]);
      const parent = await anon.from('rel_nodes').select('name, parent:parent_id(name)').eq('id', 4).single();
      assert.equal(parent.error, null, explain(parent));
      assert.deepEqual(parent.data, { name: 'leaf', parent: { name: 'left' } });
      const hinted = await anon.from('rel_nodes').select('name, kids:rel_nodes!parent_id(name)').eq('id', 2);
      assert.equal(hinted.error, null, explain(hinted));
      assert.deepEqual(hinted.data, [{ name: 'left', kids: [{ name: 'leaf' }] }]);
    });
  });
}
