// Scenarios 10 and 11: how the data API treats the bearer token (valid, forged, tampered,
// expired, missing) and the schema profile, checked against PostgREST's answers.
//
// PostgREST semantics asserted here:
// - a token whose signature does not verify: 401, code PGRST301;
// - a token past its exp: 401, code PGRST303 ("JWT expired");
// - no token at all (no apikey, no Authorization): the request runs as the anon role, so reading a
//   table anon has no SELECT grant on is PostgreSQL's 42501, which PostgREST answers with 401
//   (403 is for the same error when the role is not anon);
// - an Accept-Profile / Content-Profile outside the exposed schemas: 406, code PGRST106.
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import {
  SCHEMA, aCustomEvent, aHero, client, decodeJwt, describeHttp, fails, http, newUser, nowSeconds, ok, rest,
  serviceClient, signJwt, verifyHs256,
} from '../support/clients.js';
import { JWT_SECRET, server } from '../support/server.js';

const OTHER_SECRET = 'not-the-atelier-secret-0123456789abcdefghijklmno';

function userClaims(userId, overrides = {}) {
  const now = nowSeconds();
  return { sub: userId, role: 'authenticated', aud: 'authenticated', iat: now - 10, exp: now + 600, ...overrides };
}

export function register() {
  describe('tokens: API keys and the auth API', () => {
    let a;

    before(async () => {
      a = await newUser('auth-tokens');
    });

    test('the printed API keys are HS256 tokens for anon and service_role signed with ATELIER_JWT_SECRET', () => {
      for (const [key, role] of [[server.anonKey, 'anon'], [server.serviceKey, 'service_role']]) {
        const { header, payload } = decodeJwt(key);
        assert.equal(header.alg, 'HS256');
        assert.equal(payload.role, role);
        assert.ok(verifyHs256(key, JWT_SECRET), `${role} key is not signed with ATELIER_JWT_SECRET`);
      }
    });

    test('/auth/v1/user refuses a forged token (GoTrue: 403 bad_jwt)', async () => {
      const res = await http('/auth/v1/user', { token: signJwt(userClaims(a.id), OTHER_SECRET), apikey: server.anonKey });
      assert.equal(res.status, 403, describeHttp(res));
      assert.equal(res.json?.error_code, 'bad_jwt');
    });

    test('/auth/v1/user refuses an expired token (GoTrue: 403 bad_jwt)', async () => {
      const token = signJwt(userClaims(a.id, { exp: nowSeconds() - 60 }), JWT_SECRET);
      const res = await http('/auth/v1/user', { token, apikey: server.anonKey });
      assert.equal(res.status, 403, describeHttp(res));
      assert.equal(res.json?.error_code, 'bad_jwt');
    });
  });

  describe('data API: bearer tokens', () => {
    let a;
    let hero;
    let publicEvent;

    before(async () => {
      a = await newUser('tokens');
      hero = ok(await a.client.from('heroes').insert(aHero(a.id, { name: 'Token hero' })).select().single(), 'insert hero');
      publicEvent = ok(await a.client.from('custom_events')
        .insert(aCustomEvent(a.id, { title: 'Public for anon', is_public: true })).select().single(), 'insert event');
    });

    test('a token the suite signs with the server\'s secret is accepted (control for the cases below)', async () => {
      const token = signJwt(userClaims(a.id), JWT_SECRET);
      const res = await rest('/heroes?select=id,name', { token, apikey: server.anonKey });
      assert.equal(res.status, 200, describeHttp(res));
      assert.deepEqual(res.json, [{ id: hero.id, name: 'Token hero' }]);
    });

    test('a forged token (signed with another secret) is rejected with 401 PGRST301', async () => {
      const token = signJwt(userClaims(a.id), OTHER_SECRET);
      const res = await rest('/heroes?select=id', { token, apikey: server.anonKey });
      assert.equal(res.status, 401, describeHttp(res));
      assert.equal(res.json?.code, 'PGRST301');
    });

    test('a real access token whose payload was altered (exp pushed out) is rejected with 401 PGRST301', async () => {
      const [h, , s] = a.session.access_token.split('.');
      const payload = { ...decodeJwt(a.session.access_token).payload, exp: nowSeconds() + 86_400 * 365 };
      const tampered = `${h}.${Buffer.from(JSON.stringify(payload)).toString('base64url')}.${s}`;
      const res = await rest('/heroes?select=id', { token: tampered, apikey: server.anonKey });
      assert.equal(res.status, 401, describeHttp(res));
      assert.equal(res.json?.code, 'PGRST301');
    });

    test('a token that is not a JWT at all is rejected with 401 PGRST301', async () => {
      const res = await rest('/heroes?select=id', { token: 'not-a-jwt', apikey: server.anonKey });
      assert.equal(res.status, 401, describeHttp(res));
      assert.equal(res.json?.code, 'PGRST301');
    });

    test('an expired token with a valid signature is rejected with 401 PGRST303', async () => {
      const token = signJwt(userClaims(a.id, { iat: nowSeconds() - 7200, exp: nowSeconds() - 3600 }), JWT_SECRET);
      const res = await rest('/heroes?select=id', { token, apikey: server.anonKey });
      assert.equal(res.status, 401, describeHttp(res));
      assert.equal(res.json?.code, 'PGRST303');
      assert.match(res.json.message, /expired/i);
    });

    test('supabase-js surfaces an expired token as error PGRST303 with status 401', async () => {
      const token = signJwt(userClaims(a.id, { exp: nowSeconds() - 60 }), JWT_SECRET);
      const res = await client({ accessToken: token }).from('heroes').select('id');
      fails(res, { code: 'PGRST303', status: 401 }, 'select with an expired token');
    });

    test('no apikey and no Authorization: the request runs as anon, and anon may not read heroes (401 42501)', async () => {
      const res = await rest('/heroes?select=id');
      assert.equal(res.status, 401, describeHttp(res));
      assert.equal(res.json?.code, '42501');
      assert.match(res.json.message, /permission denied/);
    });

    test('no apikey and no Authorization: anon still reads public custom events (its one grant)', async () => {
      const res = await rest(`/custom_events?select=id,title&id=eq.${publicEvent.id}`);
      assert.equal(res.status, 200, describeHttp(res));
      assert.deepEqual(res.json, [{ id: publicEvent.id, title: 'Public for anon' }]);
    });

    test('the anon key alone (apikey header, as supabase-js sends it) is the anon role too', async () => {
      fails(await client().from('heroes').select('id'), { code: '42501', status: 401 }, 'anon key reads heroes');
    });

    test('the service_role key bypasses row-level security and sees every user\'s heroes', async () => {
      const other = await newUser('tokens-other');
      const [otherHero] = ok(await other.client.from('heroes').insert(aHero(other.id)).select(), 'other inserts hero');
      const rows = ok(await serviceClient().from('heroes').select('id').in('id', [hero.id, otherHero.id]), 'service reads heroes');
      assert.equal(rows.length, 2);
    });
  });

  describe('data API: schema profiles', () => {
    let a;

    before(async () => {
      a = await newUser('profiles');
    });

    test('a client on schema "nope" gets 406 PGRST106', async () => {
      const nope = client({ schema: 'nope' });
      const res = await nope.from('heroes').select();
      fails(res, { code: 'PGRST106', status: 406 }, 'select in schema nope');
    });

    test('a write with Content-Profile "nope" gets 406 PGRST106', async () => {
      const res = await http('/rest/v1/heroes', {
        method: 'POST', token: a.session.access_token, apikey: server.anonKey,
        headers: { 'Content-Profile': 'nope' }, body: aHero(a.id),
      });
      assert.equal(res.status, 406, describeHttp(res));
      assert.equal(res.json?.code, 'PGRST106');
    });

    test('the auth schema is not exposed: reading auth.users even as service_role gets 406 PGRST106', async () => {
      const res = await http('/rest/v1/users?select=*', {
        token: server.serviceKey, apikey: server.serviceKey, headers: { 'Accept-Profile': 'auth' },
      });
      assert.equal(res.status, 406, describeHttp(res));
      assert.equal(res.json?.code, 'PGRST106');
    });

    test(`the ${SCHEMA} profile is accepted for reads and writes (control)`, async () => {
      const read = await rest('/heroes?select=id', { token: a.session.access_token, apikey: server.anonKey });
      assert.equal(read.status, 200, describeHttp(read));
      const write = await rest('/heroes', { method: 'POST', token: a.session.access_token, apikey: server.anonKey, body: aHero(a.id) });
      assert.equal(write.status, 201, describeHttp(write));
    });
  });
}
