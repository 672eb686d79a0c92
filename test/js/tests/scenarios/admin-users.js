// supabase.auth.admin.* against /auth/v1/admin/users: create, list with pagination, get, update
// (metadata, password, ban) and delete, with the service role; refused to anyone else. Deleting a
// user removes their rows across the apps; GET /api/v1/me/export returns them first.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { PASSWORD, aHero, client, explain, newUser, serviceClient, uniqueEmail } from '../support/clients.js';
import { server } from '../support/server.js';

export function register() {
  describe('auth.admin: user administration with the service role', () => {
    const made = {};

    test('createUser with email_confirm and metadata gives a user who can sign in', async () => {
      const admin = serviceClient().auth.admin;
      made.email = uniqueEmail('admin-made');
      const { data, error } = await admin.createUser({
        email: made.email, password: PASSWORD, email_confirm: true,
        user_metadata: { name: 'Grace' }, app_metadata: { plan: 'pro' },
      });
      assert.equal(error, null, explain(error));
      assert.equal(data.user.email, made.email);
      assert.ok(data.user.email_confirmed_at);
      assert.equal(data.user.user_metadata.name, 'Grace');
      assert.equal(data.user.app_metadata.plan, 'pro');
      made.id = data.user.id;
      const signIn = await client().auth.signInWithPassword({ email: made.email, password: PASSWORD });
      assert.equal(signIn.error, null, explain(signIn.error));
      made.refreshToken = signIn.data.session.refresh_token;
    });

    test('createUser refuses an e-mail address already taken', async () => {
      const { error } = await serviceClient().auth.admin.createUser({ email: made.email, password: PASSWORD });
      assert.equal(error?.status, 422);
      assert.equal(error.code, 'email_exists');
    });

    test('listUsers pages with perPage and reports total, nextPage and lastPage', async () => {
      const admin = serviceClient().auth.admin;
      const { data, error } = await admin.listUsers({ page: 1, perPage: 2 });
      assert.equal(error, null, explain(error));
      assert.equal(data.users.length, 2);
      assert.ok(data.total >= 2, `total ${data.total}`);
      assert.equal(data.nextPage, 2);
      assert.ok(data.lastPage >= 1);
      const second = await admin.listUsers({ page: 2, perPage: 2 });
      assert.equal(second.error, null, explain(second.error));
      assert.notEqual(second.data.users[0].id, data.users[0].id);
    });

    test('getUserById and updateUserById change metadata and e-mail', async () => {
      const admin = serviceClient().auth.admin;
      const got = await admin.getUserById(made.id);
      assert.equal(got.error, null, explain(got.error));
      assert.equal(got.data.user.email, made.email);
      const email = uniqueEmail('admin-renamed');
      const { data, error } = await admin.updateUserById(made.id, {
        email, user_metadata: { colour: 'teal' }, app_metadata: { plan: 'team' },
      });
      assert.equal(error, null, explain(error));
      assert.equal(data.user.email, email);
      assert.equal(data.user.user_metadata.colour, 'teal');
      assert.equal(data.user.user_metadata.name, 'Grace', 'metadata is merged');
      assert.equal(data.user.app_metadata.plan, 'team');
      made.email = email;
    });

    test('a banned user can neither sign in nor refresh until the ban is lifted', async () => {
      const admin = serviceClient().auth.admin;
      const banned = await admin.updateUserById(made.id, { ban_duration: '2h' });
      assert.equal(banned.error, null, explain(banned.error));
      assert.ok(new Date(banned.data.user.banned_until) > new Date(Date.now() + 3600_000));
      const signIn = await client().auth.signInWithPassword({ email: made.email, password: PASSWORD });
      assert.equal(signIn.error?.code, 'user_banned');
      const refreshed = await client().auth.refreshSession({ refresh_token: made.refreshToken });
      assert.equal(refreshed.error?.code, 'user_banned');
      const lifted = await admin.updateUserById(made.id, { ban_duration: 'none' });
      assert.equal(lifted.error, null, explain(lifted.error));
      const again = await client().auth.signInWithPassword({ email: made.email, password: PASSWORD });
      assert.equal(again.error, null, explain(again.error));
    });

    test('updateUserById sets a new password; the old one stops working', async () => {
      const admin = serviceClient().auth.admin;
      const { error } = await admin.updateUserById(made.id, { password: 'a brand new password' });
      assert.equal(error, null, explain(error));
      const old = await client().auth.signInWithPassword({ email: made.email, password: PASSWORD });
      assert.equal(old.error?.code, 'invalid_credentials');
      const fresh = await client().auth.signInWithPassword({ email: made.email, password: 'a brand new password' });
      assert.equal(fresh.error, null, explain(fresh.error));
    });

    test('the anon key and a user session are refused with GoTrue not_admin', async () => {
      const user = await newUser('not-admin');
      for (const supabase of [client(), client({ accessToken: user.session.access_token })]) {
        const { error } = await supabase.auth.admin.listUsers();
        assert.equal(error?.status, 403, explain(error));
        assert.equal(error.code, 'not_admin');
        const del = await supabase.auth.admin.deleteUser(made.id);
        assert.equal(del.error?.status, 403);
      }
      const still = await serviceClient().auth.admin.getUserById(made.id);
      assert.equal(still.error, null, 'the user is still there');
    });

    test('a user exports their data, then deleteUser removes them and their rows', async () => {
      const user = await newUser('deleted');
      const mine = client({ schema: 'infinitestories', accessToken: user.session.access_token });
      const hero = await mine.from('heroes').insert(aHero(user.id, { name: 'Erased' })).select().single();
      assert.equal(hero.error, null, explain(hero.error));
      const exported = await fetch(`${server.url}/api/v1/me/export`, {
        headers: { apikey: server.anonKey, Authorization: `Bearer ${user.session.access_token}` },
      });
      assert.equal(exported.status, 200);
      const body = await exported.json();
      assert.equal(body.user.id, user.id);
      assert.deepEqual(body.data.infinitestories.heroes.map((h) => h.name), ['Erased']);

      const admin = serviceClient().auth.admin;
      const { error } = await admin.deleteUser(user.id);
      assert.equal(error, null, explain(error));
      const gone = await admin.getUserById(user.id);
      assert.equal(gone.error?.status, 404);
      const heroes = await serviceClient().schema('infinitestories').from('heroes').select('id').eq('user_id', user.id);
      assert.equal(heroes.error, null, explain(heroes.error));
      assert.equal(heroes.data.length, 0);
    });
  });
}
