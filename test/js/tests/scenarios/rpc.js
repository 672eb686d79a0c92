// Scenario 9 (functions): rpc('cleanup_expired_cache') is the service role's alone (V4 revokes
// EXECUTE from PUBLIC and grants it to service_role only).
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { anonClient, fails, newUser, ok, serviceClient } from '../support/clients.js';

export function register() {
  describe('data API: rpc', () => {
    let service;
    const prefix = `e2e-${Date.now().toString(36)}`;

    before(() => {
      service = serviceClient();
    });

    test('cleanup_expired_cache with the service role deletes expired entries and returns their number', async () => {
      const past = new Date(Date.now() - 3_600_000).toISOString();
      const future = new Date(Date.now() + 3_600_000).toISOString();
      ok(await service.from('cache_entries').insert([
        { key: `${prefix}-old-1`, value: { v: 1 }, expires_at: past },
        { key: `${prefix}-old-2`, value: { v: 2 }, expires_at: past },
        { key: `${prefix}-live`, value: { v: 3 }, expires_at: future },
      ]), 'service inserts cache entries');

      const res = await service.rpc('cleanup_expired_cache');
      const deleted = ok(res, 'rpc as service_role');
      assert.equal(typeof deleted, 'number', `a scalar integer result, got ${JSON.stringify(deleted)}`);
      assert.equal(deleted, 2);

      const left = ok(await service.from('cache_entries').select('key').like('key', `${prefix}-%`), 'service lists cache');
      assert.deepEqual(left.map((r) => r.key), [`${prefix}-live`]);
    });

    test('a second cleanup finds nothing to delete and returns 0', async () => {
      assert.equal(ok(await service.rpc('cleanup_expired_cache'), 'second rpc'), 0);
    });

    test('cleanup_expired_cache as a signed-in user is refused with 42501 (403)', async () => {
      const user = await newUser('rpc');
      const error = fails(await user.client.rpc('cleanup_expired_cache'), { code: '42501', status: 403 }, 'rpc as authenticated');
      assert.match(error.message, /permission denied/);
    });

    test('cleanup_expired_cache with the anon key is refused with 42501 (401)', async () => {
      fails(await anonClient().rpc('cleanup_expired_cache'), { code: '42501', status: 401 }, 'rpc as anon');
    });

    test('an unknown function is a 404 (PGRST202)', async () => {
      fails(await service.rpc('no_such_function'), { code: 'PGRST202', status: 404 }, 'unknown function');
    });

    test('cache_entries is closed to users: reading it as a user is refused with 42501 (403)', async () => {
      const user = await newUser('cache-reader');
      fails(await user.client.from('cache_entries').select(), { code: '42501', status: 403 }, 'user reads cache_entries');
    });
  });
}
