// What PostgREST offers around a request (docs/adr/0027), on the fixture schema (V40), as apps use
// it through supabase-js and as the wire carries it: request.method / path / headers / cookies
// visible to SQL, the pre-request function (the suite's server sets ATELIER_REST_PRE_REQUEST to
// rest_fixture.pre_request, which acts only on an X-Pre-Request header), and response.headers /
// response.status set from SQL.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { before, describe, test } from 'node:test';
import { client, explain, http, newUser } from '../support/clients.js';
import { FIXTURE_SCHEMA, server } from '../support/server.js';

/** Raw fetch to the fixture schema as the user, for headers supabase-js does not show. */
function fixture(path, token, { method = 'GET', headers = {}, body } = {}) {
  const profile = method === 'GET' || method === 'HEAD' ? 'Accept-Profile' : 'Content-Profile';
  return http(`/rest/v1${path}`, {
    method, token, apikey: server.anonKey, body, headers: { [profile]: FIXTURE_SCHEMA, ...headers },
  });
}

export function register() {
  describe('PostgREST request context, pre-request and response settings', () => {
    let user;
    let db;
    let token;

    before(async () => {
      user = await newUser('context');
      token = user.session.access_token;
      db = client({ schema: FIXTURE_SCHEMA, accessToken: token });
    });

    test('request.method, request.path and request.headers reach SQL through .rpc()', async () => {
      const post = await db.rpc('request_setting', { name: 'request.method' });
      assert.equal(post.error, null, explain(post));
      assert.equal(post.data, 'POST');
      const get = await db.rpc('request_setting', { name: 'request.method' }, { get: true });
      assert.equal(get.data, 'GET');
      const path = await db.rpc('request_setting', { name: 'request.path' });
      assert.equal(path.data, '/rpc/request_setting');

      const res = await db.rpc('request_setting', { name: 'request.headers' }).setHeader('X-Custom-Header', 'test');
      assert.equal(res.error, null, explain(res));
      const headers = JSON.parse(res.data);
      assert.equal(headers['x-custom-header'], 'test');
      assert.equal(headers.authorization, `Bearer ${token}`);
      assert.equal(headers.apikey, server.anonKey);
      assert.match(headers['x-client-info'], /^supabase-js/);
      assert.ok(Object.keys(headers).every((name) => name === name.toLowerCase()), Object.keys(headers).join());
    });

    test('request.cookies is the Cookie header as an object, and not among the headers', async () => {
      const res = await fixture('/rpc/request_setting', token, {
        method: 'POST', body: { name: 'request.cookies' }, headers: { Cookie: 'acookie=cookievalue;secondcookie=anothervalue' },
      });
      assert.equal(res.status, 200, res.text);
      assert.deepEqual(JSON.parse(res.json), { acookie: 'cookievalue', secondcookie: 'anothervalue' });
      const headers = await fixture('/rpc/request_setting', token, {
        method: 'POST', body: { name: 'request.headers' }, headers: { Cookie: 'acookie=x' },
      });
      assert.equal(JSON.parse(headers.json).cookie, undefined);
    });

    test('the pre-request refuses with PT401 before anything is written', async () => {
      const note = `refused-${randomUUID()}`;
      const refused = await db.from('receipts').insert({ note }).setHeader('X-Pre-Request', 'refuse');
      assert.equal(refused.status, 401);
      assert.equal(refused.error?.code, 'PT401', explain(refused));
      assert.equal(refused.error.message, 'refused by the pre-request');
      assert.equal(refused.error.hint, 'sign in first');
      const left = await db.from('receipts').select('note').eq('note', note);
      assert.deepEqual(left.data, []);

      const raw = await fixture('/characters', token, { headers: { 'X-Pre-Request': 'refuse' } });
      assert.equal(raw.status, 401);
      assert.equal(raw.headers.get('www-authenticate'), 'Bearer');
      assert.equal(raw.headers.get('proxy-status'), 'PostgREST; error=PT401');

      const failed = await db.from('characters').select('id').setHeader('X-Pre-Request', 'fail');
      assert.equal(failed.status, 400);
      assert.equal(failed.error?.code, 'P0001', explain(failed));
    });

    test('the pre-request sets headers and status for the response', async () => {
      const raw = await fixture('/characters?select=id', token, { headers: { 'X-Pre-Request': 'headers' } });
      assert.equal(raw.status, 200, raw.text);
      assert.equal(raw.headers.get('x-pre-request'), 'GET /characters');
      const head = await fixture('/characters', token, { method: 'HEAD', headers: { 'X-Pre-Request': 'headers' } });
      assert.equal(head.headers.get('x-pre-request'), 'HEAD /characters');

      const status = await db.from('characters').select('id').setHeader('X-Pre-Request', 'status');
      assert.equal(status.error, null, explain(status));
      assert.equal(status.status, 299);
      assert.deepEqual(status.data, []);
    });

    test('a function sets response.status and response.headers', async () => {
      const headers = JSON.stringify([{ 'X-Test': 'key1=val1; someValue; key2=val2' }, { 'X-Test-2': 'key1=val1' }]);
      const res = await db.rpc('respond_with', { headers, status: '201' });
      assert.equal(res.error, null, explain(res));
      assert.equal(res.status, 201);
      assert.deepEqual(res.data, { ok: true });

      const raw = await fixture('/rpc/respond_with', token, { method: 'POST', body: { headers, status: '201' } });
      assert.equal(raw.status, 201);
      assert.equal(raw.headers.get('x-test'), 'key1=val1; someValue; key2=val2');
      assert.equal(raw.headers.get('x-test-2'), 'key1=val1');

      const cookies = JSON.stringify([{ 'Set-Cookie': 'sessionid=38afes7a8; HttpOnly; Path=/' }, { 'Set-Cookie': 'id=a3fWa; Secure; HttpOnly' }]);
      const twice = await fixture('/rpc/respond_void', token, { method: 'POST', body: { headers: cookies } });
      assert.equal(twice.status, 204);
      assert.deepEqual(twice.headers.getSetCookie(), ['sessionid=38afes7a8; HttpOnly; Path=/', 'id=a3fWa; Secure; HttpOnly']);

      const type = JSON.stringify([{ 'Content-Type': 'application/custom+json' }]);
      const custom = await fixture('/rpc/respond_rows', token, { method: 'POST', body: { n: 2, headers: type } });
      assert.equal(custom.headers.get('content-type'), 'application/custom+json');
      assert.deepEqual(JSON.parse(custom.text), [1, 2]);

      const teapot = await db.rpc('respond_with', { status: '418' }, { get: true });
      assert.equal(teapot.status, 418);
    });

    test('invalid response settings are PGRST111 and PGRST112', async () => {
      const headers = await db.rpc('respond_with', { headers: '{"X-Test": "invalid structure for headers"}' });
      assert.equal(headers.status, 500);
      const { code, message, details, hint } = headers.error ?? {};
      assert.deepEqual({ code, message, details, hint }, {
        code: 'PGRST111',
        message: 'response.headers guc must be a JSON array composed of objects with a single key and a string value',
        details: null,
        hint: null,
      });
      const status = await db.rpc('respond_with', { status: 'bad' });
      assert.equal(status.status, 500);
      assert.equal(status.error?.code, 'PGRST112', explain(status));
      assert.equal(status.error.message, 'response.status guc must be a valid status code');
    });

    test('triggers set them for writes', async () => {
      const note = `receipt-${randomUUID()}`;
      const inserted = await db.from('receipts').insert({ note });
      assert.equal(inserted.error, null, explain(inserted));
      assert.equal(inserted.status, 202);
      const raw = await fixture('/receipts', token, { method: 'POST', body: { note: `${note}-raw` } });
      assert.equal(raw.status, 202);
      assert.equal(raw.headers.get('x-receipt'), `${note}-raw`);
      const updated = await db.from('receipts').update({ note: `${note}-2` }).eq('note', note);
      assert.equal(updated.error, null, explain(updated));
      assert.equal(updated.status, 205);
    });
  });
}
