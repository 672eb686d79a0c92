// Scenario 1: sign-up, sign-in, getUser, refresh-token rotation, sign-out, through supabase-js's
// auth client against /auth/v1.
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { PASSWORD, client, decodeJwt, explain, http, uniqueEmail } from '../support/clients.js';
import { server } from '../support/server.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

async function refreshRaw(refreshToken) {
  return http('/auth/v1/token?grant_type=refresh_token', {
    method: 'POST', apikey: server.anonKey, body: { refresh_token: refreshToken },
  });
}

export function register() {
  describe('auth: sign-up, sign-in, tokens, sign-out', () => {
    const a = { email: uniqueEmail('alice') };
    const b = { email: uniqueEmail('bob') };

    before(() => {
      a.client = client();
      b.client = client();
    });

    test('two users sign up and each gets a confirmed user and a session', async () => {
      for (const u of [a, b]) {
        const { data, error } = await client().auth.signUp({ email: u.email, password: PASSWORD });
        assert.equal(error, null, `signUp(${u.email}): ${explain(error)}`);
        assert.match(data.user.id, UUID);
        assert.equal(data.user.email, u.email);
        assert.ok(data.session?.access_token, 'signUp returns a session when e-mail confirmation is off');
        assert.ok(data.session.refresh_token);
        u.id = data.user.id;
      }
      assert.notEqual(a.id, b.id);
    });

    test('signing up an e-mail address twice is refused with user_already_exists', async () => {
      const { data, error } = await client().auth.signUp({ email: a.email, password: PASSWORD });
      assert.ok(error, `second signUp should fail, got ${explain(data)}`);
      assert.equal(error.status, 422);
      assert.equal(error.code, 'user_already_exists');
    });

    test('signInWithPassword returns a session whose token names the user', async () => {
      for (const u of [a, b]) {
        const { data, error } = await u.client.auth.signInWithPassword({ email: u.email, password: PASSWORD });
        assert.equal(error, null, `signIn(${u.email}): ${explain(error)}`);
        assert.equal(data.user.id, u.id);
        assert.equal(data.session.token_type, 'bearer');
        assert.ok(data.session.expires_at > Date.now() / 1000);
        const { payload } = decodeJwt(data.session.access_token);
        assert.equal(payload.sub, u.id);
        assert.equal(payload.role, 'authenticated');
        assert.equal(payload.email, u.email);
        u.session = data.session;
      }
    });

    test('a wrong password is refused with invalid_credentials', async () => {
      const { data, error } = await client().auth.signInWithPassword({ email: a.email, password: 'not the password' });
      assert.ok(error, `sign-in with a wrong password should fail, got ${explain(data)}`);
      assert.equal(error.status, 400);
      assert.equal(error.code, 'invalid_credentials');
      assert.equal(data.session, null);
    });

    test('getUser returns each signed-in user their own id and email', async () => {
      for (const u of [a, b]) {
        const { data, error } = await u.client.auth.getUser();
        assert.equal(error, null, `getUser(${u.email}): ${explain(error)}`);
        assert.equal(data.user.id, u.id);
        assert.equal(data.user.email, u.email);
      }
    });

    test('refreshSession rotates the refresh token, and the new tokens work', async () => {
      const old = a.session;
      const { data, error } = await a.client.auth.refreshSession();
      assert.equal(error, null, `refreshSession: ${explain(error)}`);
      assert.notEqual(data.session.refresh_token, old.refresh_token, 'a refresh issues a new refresh token');
      assert.ok(data.session.access_token);
      const me = await a.client.auth.getUser(data.session.access_token);
      assert.equal(me.error, null, explain(me.error));
      assert.equal(me.data.user.id, a.id);
      a.oldRefreshToken = old.refresh_token;
      a.session = data.session;
    });

    test('the refresh token a refresh used up is rejected afterwards', async () => {
      // Atelier rejects any reuse at once. (GoTrue would hand back the active token for a reuse
      // within its 10 s reuse interval; Atelier's design is stricter, and that is what this checks.)
      const { data, error } = await client().auth.refreshSession({ refresh_token: a.oldRefreshToken });
      assert.ok(error, `reusing a rotated refresh token should fail, got ${explain(data)}`);
      assert.equal(error.status, 400);
      assert.equal(error.code, 'refresh_token_already_used');
      assert.equal(data.session, null);
    });

    test('reusing a rotated refresh token revokes its whole session (GoTrue reuse detection)', async () => {
      // The reuse in the previous test revoked a's session family: the refresh token issued by the
      // legitimate rotation is dead too.
      const res = await refreshRaw(a.session.refresh_token);
      assert.equal(res.status, 400, `refresh with the descendant token: HTTP ${res.status} ${res.text}`);
      assert.ok(['refresh_token_not_found', 'refresh_token_already_used', 'session_not_found'].includes(res.json?.error_code),
        `error_code ${res.json?.error_code}`);
    });

    test('an unknown refresh token is rejected with refresh_token_not_found', async () => {
      const res = await refreshRaw('this-token-was-never-issued');
      assert.equal(res.status, 400, res.text);
      assert.equal(res.json.error_code, 'refresh_token_not_found');
    });

    test('signOut ends the session: no local session, and its refresh token no longer works', async () => {
      const { session } = b;
      const { error } = await b.client.auth.signOut();
      assert.equal(error, null, `signOut: ${explain(error)}`);
      const local = await b.client.auth.getSession();
      assert.equal(local.data.session, null, 'supabase-js forgets the session');
      const res = await refreshRaw(session.refresh_token);
      assert.equal(res.status, 400, `refresh after sign-out: HTTP ${res.status} ${res.text}`);
    });

    test('after signOut the access token of the ended session is refused by /auth/v1/user (GoTrue: 403 session_not_found)', async () => {
      // GoTrue checks the session_id claim of every token against its sessions table, so a signed-
      // out access token stops working for the auth API at once (the data API, like PostgREST,
      // only checks the signature and expiry until the token expires).
      const res = await http('/auth/v1/user', { token: b.session.access_token });
      assert.equal(res.status, 403, `GET /auth/v1/user with a signed-out token: HTTP ${res.status} ${res.text}`);
      assert.equal(res.json?.error_code, 'session_not_found');
    });
  });
}
