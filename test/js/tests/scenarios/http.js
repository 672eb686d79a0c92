// The wire protocol under supabase-js: status codes, Content-Range, Prefer, singular responses
// and the error body, checked with raw fetch where supabase-js would hide them.
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { aHero, describeHttp, explain, http, newUser, rest } from '../support/clients.js';
import { server } from '../support/server.js';

export function register() {
  describe('data API over raw HTTP', () => {
    let a;
    let auth;

    before(async () => {
      a = await newUser('raw');
      auth = { token: a.session.access_token, apikey: server.anonKey };
      const res = await rest('/heroes', {
        method: 'POST', ...auth,
        body: [aHero(a.id, { name: 'Ayla' }), aHero(a.id, { name: 'Bram' }), aHero(a.id, { name: 'Cato' })],
      });
      assert.equal(res.status, 201, describeHttp(res));
    });

    test('POST without Prefer answers 201 with an empty body (return=minimal is the default)', async () => {
      const res = await rest('/heroes', { method: 'POST', ...auth, body: aHero(a.id, { name: 'Minimal' }) });
      assert.equal(res.status, 201, describeHttp(res));
      assert.equal(res.text, '');
      const del = await rest('/heroes?name=eq.Minimal', { method: 'DELETE', ...auth });
      assert.equal(del.status, 204, describeHttp(del));
    });

    test('POST with Prefer return=representation answers 201 with the rows as a JSON array', async () => {
      const res = await rest('/heroes', {
        method: 'POST', ...auth, headers: { Prefer: 'return=representation' }, body: aHero(a.id, { name: 'Shown' }),
      });
      assert.equal(res.status, 201, describeHttp(res));
      assert.ok(Array.isArray(res.json), res.text);
      assert.equal(res.json[0].name, 'Shown');
      assert.match(res.headers.get('content-type') ?? '', /application\/json/);
      const del = await rest(`/heroes?id=eq.${res.json[0].id}`, { method: 'DELETE', ...auth, headers: { Prefer: 'return=representation' } });
      assert.equal(del.status, 200, describeHttp(del));
      assert.deepEqual(del.json.map((r) => r.name), ['Shown']);
    });

    test('GET with Prefer count=exact: 200 and Content-Range 0-2/3', async () => {
      const res = await rest('/heroes?select=name&order=name', { ...auth, headers: { Prefer: 'count=exact' } });
      assert.equal(res.status, 200, describeHttp(res));
      assert.equal(res.headers.get('content-range'), '0-2/3');
      assert.deepEqual(res.json.map((r) => r.name), ['Ayla', 'Bram', 'Cato']);
    });

    test('GET without a count: Content-Range 0-2/* (total unknown)', async () => {
      const res = await rest('/heroes?select=name', auth);
      assert.equal(res.status, 200, describeHttp(res));
      assert.equal(res.headers.get('content-range'), '0-2/*');
    });

    test('GET with limit/offset and count=exact: 206 Partial Content and Content-Range 0-1/3', async () => {
      const res = await rest('/heroes?select=name&order=name&offset=0&limit=2', { ...auth, headers: { Prefer: 'count=exact' } });
      assert.equal(res.status, 206, describeHttp(res));
      assert.equal(res.headers.get('content-range'), '0-1/3');
      assert.deepEqual(res.json.map((r) => r.name), ['Ayla', 'Bram']);
    });

    test('GET with a Range header selects the rows of that range', async () => {
      const res = await rest('/heroes?select=name&order=name', {
        ...auth, headers: { 'Range-Unit': 'items', Range: '1-2', Prefer: 'count=exact' },
      });
      assert.equal(res.status, 206, describeHttp(res));
      assert.equal(res.headers.get('content-range'), '1-2/3');
      assert.deepEqual(res.json.map((r) => r.name), ['Bram', 'Cato']);
    });

    test('GET of nothing with count=exact: 200, [] and Content-Range */0', async () => {
      const res = await rest('/heroes?select=name&name=eq.Nobody', { ...auth, headers: { Prefer: 'count=exact' } });
      assert.equal(res.status, 200, describeHttp(res));
      assert.deepEqual(res.json, []);
      assert.equal(res.headers.get('content-range'), '*/0');
    });

    test('HEAD with count=exact: 200, no body, the total in Content-Range', async () => {
      const res = await rest('/heroes?select=*', { method: 'HEAD', ...auth, headers: { Prefer: 'count=exact' } });
      assert.equal(res.status, 200);
      assert.equal(res.text, '');
      assert.match(res.headers.get('content-range') ?? '', /\/3$/);
    });

    test('Accept: application/vnd.pgrst.object+json returns one row as an object', async () => {
      const res = await rest('/heroes?select=name&name=eq.Bram', { ...auth, headers: { Accept: 'application/vnd.pgrst.object+json' } });
      assert.equal(res.status, 200, describeHttp(res));
      assert.deepEqual(res.json, { name: 'Bram' });
    });

    test('Accept: application/vnd.pgrst.object+json over several rows is 406 PGRST116', async () => {
      const res = await rest('/heroes?select=name', { ...auth, headers: { Accept: 'application/vnd.pgrst.object+json' } });
      assert.equal(res.status, 406, describeHttp(res));
      assert.equal(res.json?.code, 'PGRST116');
    });

    test('PATCH without Prefer answers 204; with count=exact, Content-Range says how many rows changed', async () => {
      const res = await rest('/heroes?name=in.(Ayla,Bram)', {
        method: 'PATCH', ...auth, headers: { Prefer: 'count=exact' }, body: { appearance: 'muddy boots' },
      });
      assert.equal(res.status, 204, describeHttp(res));
      assert.equal(res.headers.get('content-range'), '0-1/2');
      const check = await rest('/heroes?select=name&appearance=eq.muddy%20boots&order=name', auth);
      assert.deepEqual(check.json.map((r) => r.name), ['Ayla', 'Bram']);
    });

    test('errors have PostgREST\'s shape {code, message, details, hint}', async () => {
      const res = await rest('/heroes?select=no_such_column', auth);
      assert.equal(res.status, 400, describeHttp(res));
      assert.deepEqual(Object.keys(res.json).sort(), ['code', 'details', 'hint', 'message']);
      assert.equal(res.json.code, '42703');
      assert.match(res.headers.get('content-type') ?? '', /application\/json/);
    });

    test('an unknown table is 404 (PGRST205, or 42P01 in older PostgREST)', async () => {
      const res = await rest('/no_such_table', auth);
      assert.equal(res.status, 404, describeHttp(res));
      assert.ok(['PGRST205', '42P01'].includes(res.json?.code), describeHttp(res));
    });

    test('an unknown filter operator is a 400 parse error (PGRST100)', async () => {
      const res = await rest('/heroes?name=resembles.Ayla', auth);
      assert.equal(res.status, 400, describeHttp(res));
      assert.equal(res.json?.code, 'PGRST100');
    });

    test('a malformed JSON body is a 400 (PGRST102) and writes nothing', async () => {
      const res = await rest('/heroes', { method: 'POST', ...auth, body: '{"name": "Broken"' });
      assert.equal(res.status, 400, describeHttp(res));
      assert.equal(res.json?.code, 'PGRST102');
    });
  });

  describe('status lines as PostgREST and GoTrue send them', () => {
    let a;

    before(async () => {
      a = await newUser('reason');
    });

    test('supabase-js reports statusText "OK" for a select and "Created" for an insert', async () => {
      const inserted = await a.client.from('heroes').insert(aHero(a.id, { name: 'Reason' }));
      assert.equal(inserted.error, null, explain(inserted));
      assert.equal(inserted.status, 201);
      assert.equal(inserted.statusText, 'Created');
      const selected = await a.client.from('heroes').select('name');
      assert.equal(selected.status, 200, explain(selected));
      assert.equal(selected.statusText, 'OK');
      const missing = await a.client.from('no_such_table').select('*');
      assert.equal(missing.status, 404, explain(missing));
      assert.equal(missing.statusText, 'Not Found');
    });

    test('/auth/v1 sends reason phrases too, and every response carries a request id', async () => {
      const settings = await http('/auth/v1/settings', { apikey: server.anonKey });
      assert.equal(settings.status, 200, describeHttp(settings));
      assert.equal(settings.statusText, 'OK');
      assert.match(settings.headers.get('x-request-id') ?? '', /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
      const anonymous = await http('/auth/v1/user', { apikey: server.anonKey });
      assert.equal(anonymous.status, 401, describeHttp(anonymous));
      assert.equal(anonymous.statusText, 'Unauthorized');
      const echoed = await http('/health', { headers: { 'X-Request-Id': 'js-suite-request-1' } });
      assert.equal(echoed.headers.get('x-request-id'), 'js-suite-request-1');
    });
  });
}
