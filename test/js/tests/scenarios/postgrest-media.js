// PostgREST's media types and message texts on the fixture schema (docs/adr/0028): execution plans
// (postgrest-js `.explain()`, PostgREST's db-plan-enabled, on in this suite's server), CSV as
// PostgreSQL writes rows (`.csv()`), GeoJSON without PostGIS (`.geojson()`), and PostgREST 12's
// error texts, asserted on status, headers and body.
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { client, explain, http, newUser } from '../support/clients.js';
import { FIXTURE_SCHEMA } from '../support/server.js';

export function register() {
  describe('PostgREST media types and messages', () => {
    let user;
    let db;
    let token;
    const raw = (path, options = {}) => {
      const method = options.method ?? 'GET';
      const profile = method === 'GET' || method === 'HEAD' ? 'Accept-Profile' : 'Content-Profile';
      return http(`/rest/v1${path}`, { token, ...options, headers: { [profile]: FIXTURE_SCHEMA, ...options.headers } });
    };

    before(async () => {
      user = await newUser('media');
      token = user.session.access_token;
      db = client({ schema: FIXTURE_SCHEMA, accessToken: token });
      const made = await db.from('characters').insert([
        { user_id: user.id, name: 'Ayla', primary_trait: 'brave', secondary_trait: 'kind' },
        { user_id: user.id, name: 'Bram', primary_trait: 'brave', secondary_trait: 'wise', appearance: 'a, "tall" one' },
      ]);
      assert.equal(made.error, null, explain(made));
    });

    test('.explain() answers the text plan of the read, typed as PostgREST types it', async () => {
      const res = await db.from('characters').select('name').eq('name', 'Ayla').explain();
      assert.equal(res.error, null, explain(res));
      assert.equal(res.status, 200);
      assert.equal(typeof res.data, 'string');
      assert.match(res.data, /^Aggregate/);
      const wire = await raw('/characters?select=name', { headers: { Accept: 'application/vnd.pgrst.plan' } });
      assert.equal(wire.status, 200);
      assert.equal(wire.headers.get('content-type'), 'application/vnd.pgrst.plan+text; for="application/json"; charset=utf-8');
    });

    test('.explain({ format: "json", analyze: true }) runs the read as the caller, under RLS', async () => {
      const res = await db.from('characters').select('name').explain({ format: 'json', analyze: true, verbose: true });
      assert.equal(res.error, null, explain(res));
      assert.equal(res.status, 200);
      const root = res.data[0];
      assert.equal(root.Plan['Node Type'], 'Aggregate');
      assert.equal(typeof root['Execution Time'], 'number');
      const scan = (node) => node['Relation Name'] === 'characters' ? node : (node.Plans ?? []).map(scan).find(Boolean);
      assert.equal(scan(root.Plan)['Actual Rows'], 2, 'only the caller\'s two rows');
      const wire = await raw('/characters', { headers: { Accept: 'application/vnd.pgrst.plan+json; options=verbose|analyze' } });
      assert.equal(wire.headers.get('content-type'),
        'application/vnd.pgrst.plan+json; for="application/json"; options=analyze|verbose; charset=utf-8');
    });

    test('a write planned with analyze changes nothing', async () => {
      const res = await db.from('characters').delete().eq('name', 'Ayla').explain({ analyze: true });
      assert.equal(res.error, null, explain(res));
      assert.equal(res.status, 200);
      assert.match(res.data, /Delete on/);
      const still = await db.from('characters').select('name').eq('name', 'Ayla');
      assert.deepEqual(still.data, [{ name: 'Ayla' }]);
    });

    test('a plan for a type not produced, like an unknown Accept, is 406 PGRST107', async () => {
      const wire = await raw('/characters', { headers: { Accept: 'application/vnd.pgrst.plan+json; for="text/xml"' } });
      assert.equal(wire.status, 406);
      assert.equal(wire.json.code, 'PGRST107');
      assert.equal(wire.json.message, 'None of these media types are available: application/vnd.pgrst.plan+json; for="text/xml"');
    });

    test('.csv() quotes only where PostgreSQL does; nulls are empty, booleans t/f', async () => {
      const res = await db.from('characters').select('name,appearance,secondary_trait').order('name').csv();
      assert.equal(res.error, null, explain(res));
      assert.equal(res.status, 200);
      assert.equal(res.data, 'name,appearance,secondary_trait\nAyla,,kind\nBram,"a, ""tall"" one",wise');
      const events = await db.from('events').insert([
        { user_id: user.id, title: ' padded ', prompt_seed: 'csv-js', keywords: ['a', 'b c'], is_public: false },
      ]);
      assert.equal(events.error, null, explain(events));
      const wire = await raw(`/events?select=title,keywords,is_public&prompt_seed=eq.csv-js&user_id=eq.${user.id}`,
        { headers: { Accept: 'text/csv' } });
      assert.equal(wire.status, 200);
      assert.equal(wire.headers.get('content-type'), 'text/csv; charset=utf-8');
      assert.equal(wire.text, 'title,keywords,is_public\n" padded ","{a,""b c""}",f');
      const none = await raw('/characters?name=eq.nobody', { headers: { Accept: 'text/csv' } });
      assert.equal(none.text, '\n');
    });

    test('.geojson() without PostGIS is PostgreSQL\'s undefined function, 404 42883', async () => {
      const res = await db.from('characters').select('name').geojson();
      assert.equal(res.status, 404);
      assert.equal(res.error?.code, '42883');
      assert.equal(res.error?.message, 'function st_asgeojson(record) does not exist');
    });

    test('PostgREST 12\'s message texts: PGRST116, PGRST102 and PGRST121', async () => {
      const single = await db.from('characters').select('name').single();
      assert.equal(single.status, 406);
      assert.equal(single.error.code, 'PGRST116');
      assert.equal(single.error.message, 'JSON object requested, multiple (or no) rows returned');
      assert.equal(single.error.details, 'The result contains 2 rows');
      const none = await db.from('characters').select('name').eq('name', 'nobody').single();
      assert.equal(none.error.details, 'The result contains 0 rows');

      const xml = await raw('/characters', { method: 'POST', headers: { 'Content-Type': 'text/xml' }, body: '<x/>' });
      assert.equal(xml.status, 400);
      assert.deepEqual(xml.json, { code: 'PGRST102', message: 'Content-Type not acceptable: text/xml', details: null, hint: null });

      const raised = await db.rpc('raise_pgrst', { kind: 'no-detail' });
      assert.equal(raised.status, 500);
      assert.deepEqual(raised.error, {
        code: 'PGRST121',
        message: 'Could not parse JSON in the "RAISE SQLSTATE \'PGRST\'" error',
        details: 'DETAIL is missing in the RAISE statement',
        hint: 'DETAIL must be a JSON object with obligatory keys: \'status\', \'headers\' and optional key: \'status_text\'.',
      });
    });
  });
}
