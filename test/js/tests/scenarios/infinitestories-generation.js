// Issue 11: InfiniteStories as its app uses it. A user creates a hero with supabase-js, asks the
// domain endpoint for an illustrated story, and follows it through /rest/v1 (the story's status,
// then its illustrations') until every illustration has an image and a thumbnail that download;
// a prompt moderation refuses is answered 422 and creates nothing; the 11th story request of a
// user within the hour is answered 429 with Retry-After (the server runs with the default limit of
// 10 per hour). The ledger's reconcile shows no drift at the end: InfiniteStories charges nothing.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { before, describe, test } from 'node:test';
import { aHero, describeHttp, http, newUser, ok } from '../support/clients.js';
import { server } from '../support/server.js';

const TAG = randomUUID().slice(0, 8);
const STORIES = '/api/v1/infinitestories/stories';
const PNG = [0x89, 0x50, 0x4e, 0x47];
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** POST /api/v1/infinitestories/stories as `user` (their access token, the anon key as apikey). */
function requestStory(user, body) {
  return http(STORIES, { method: 'POST', token: user.session.access_token, apikey: server.anonKey, body });
}

/** Polls `read` until `done(value)` holds, for at most `ms`; returns the last value. */
async function until(what, read, done, ms = 60_000) {
  const deadline = Date.now() + ms;
  let value;
  while (Date.now() < deadline) {
    value = await read();
    if (done(value)) return value;
    await sleep(100);
  }
  assert.fail(`${what} did not happen within ${ms / 1000} s; last seen: ${JSON.stringify(value)}`);
}

async function downloadPng(path) {
  const res = await fetch(`${server.url}${path}`, { signal: AbortSignal.timeout(30_000) });
  assert.equal(res.status, 200, `GET ${path}`);
  const bytes = new Uint8Array(await res.arrayBuffer());
  assert.deepEqual([...bytes.slice(0, 4)], PNG, `${path} is a PNG`);
  return bytes.length;
}

export function register() {
  describe('InfiniteStories: a hero, an illustrated story, a refused prompt and the hourly limit', () => {
    let user;
    let hero;
    let storyId;

    before(async () => {
      user = await newUser('stories');
      hero = ok(await user.client.from('heroes')
        .insert(aHero(user.id, { name: `Ayla ${TAG}`, appearance: 'curly red hair', special_ability: 'talking to owls' }))
        .select()
        .single(), 'the user creates a hero');
    });

    test('a story is accepted at once and its row says pending', async () => {
      const res = await requestStory(user, {
        hero_id: hero.id,
        event_type: 'built_in',
        event_data: { title: `a lantern festival ${TAG}` },
        language: 'en',
      });
      assert.equal(res.status, 202, describeHttp(res));
      storyId = res.json.story_id;
      assert.ok(storyId);
      assert.equal(res.headers.get('location'), `/rest/v1/stories?id=eq.${storyId}`);
      const row = ok(await user.client.from('stories').select('id, status, hero_id').eq('id', storyId).single(),
        'the user reads their new story');
      assert.ok(['pending', 'processing', 'completed'].includes(row.status), `status ${row.status}`);
      assert.equal(row.hero_id, hero.id);
    });

    test('the story is written and every scene illustrated, with images that download', async () => {
      const story = await until('the story and its illustrations complete',
        async () => ok(await user.client.from('stories')
          .select('status, content, word_count, generation_metadata, story_scenes(scene_number, text_segment), '
            + 'story_illustrations(status, image_url, thumbnail_url, previous_generation_id)')
          .eq('id', storyId)
          .single(), 'the user polls the story'),
        (s) => s.status === 'failed'
          || (s.status === 'completed' && s.story_illustrations.length > 0
            && s.story_illustrations.every((i) => i.status === 'completed' || i.status === 'failed')));
      assert.equal(story.status, 'completed');
      assert.match(story.content, new RegExp(`Ayla ${TAG}`));
      assert.ok(story.word_count > 0);
      assert.equal(story.story_illustrations.length, story.story_scenes.length);
      assert.equal(story.generation_metadata.scene_count, story.story_scenes.length);
      for (const illustration of story.story_illustrations) {
        assert.equal(illustration.status, 'completed');
        assert.ok(illustration.image_url.startsWith('/storage/v1/object/public/illustrations/'));
        const path = illustration.image_url.slice('/storage/v1/object/public/illustrations/'.length);
        const { data } = user.client.storage.from('illustrations').getPublicUrl(path);
        assert.equal(data.publicUrl, `${server.url}${illustration.image_url}`, 'getPublicUrl names the same file');
        assert.ok(await downloadPng(illustration.image_url) > 0);
        assert.ok(await downloadPng(illustration.thumbnail_url) > 0);
      }
      const usage = ok(await user.client.from('api_usage').select('function_name, status'), 'the user reads their usage');
      const functions = new Set(usage.map((u) => u.function_name));
      for (const f of ['moderation', 'story', 'scenes', 'illustration']) {
        assert.ok(functions.has(f), `api_usage has a ${f} call`);
      }
    });

    test('a hero avatar is drawn into the gallery as the primary one', async () => {
      const res = await http(`/api/v1/infinitestories/heroes/${hero.id}/avatar`, {
        method: 'POST', token: user.session.access_token, apikey: server.anonKey, body: {},
      });
      assert.equal(res.status, 202, describeHttp(res));
      const gallery = await until('the avatar is in the gallery',
        async () => ok(await user.client.from('hero_gallery').select('image_url, is_primary').eq('hero_id', hero.id),
          'the user reads the gallery'),
        (rows) => rows.length === 1);
      assert.equal(gallery[0].is_primary, true);
      await downloadPng(gallery[0].image_url);
    });

    test('a prompt moderation refuses is answered 422 and creates no story', async () => {
      const before = ok(await user.client.from('stories').select('id'), 'stories before').length;
      const res = await requestStory(user, {
        hero_id: hero.id, event_type: 'built_in', event_data: { title: 'a battle with blood everywhere' },
      });
      assert.equal(res.status, 422, describeHttp(res));
      assert.match(res.headers.get('content-type'), /application\/problem\+json/);
      assert.equal(res.json.title, 'Content refused');
      assert.equal(res.json.field, 'event_data');
      assert.match(res.json.detail, /violence/);
      const after = ok(await user.client.from('stories').select('id'), 'stories after').length;
      assert.equal(after, before, 'no story was created');
    });

    test('the 11th story request of a user within the hour gets 429 with Retry-After', async () => {
      const other = await newUser('stories-limit');
      const otherHero = ok(await other.client.from('heroes').insert(aHero(other.id)).select().single(), 'a hero');
      const body = { hero_id: otherHero.id, event_type: 'built_in', event_data: { title: `a paper boat ${TAG}` } };
      const accepted = [];
      for (let i = 1; i <= 10; i += 1) {
        const res = await requestStory(other, body);
        assert.equal(res.status, 202, `request ${i}: ${describeHttp(res)}`);
        accepted.push(res.json.story_id);
      }
      const eleventh = await requestStory(other, body);
      assert.equal(eleventh.status, 429, describeHttp(eleventh));
      const retryAfter = Number(eleventh.headers.get('retry-after'));
      assert.ok(retryAfter > 3500 && retryAfter <= 3600, `Retry-After ${retryAfter}`);
      assert.equal(eleventh.json.title, 'Too many requests');
      assert.equal(eleventh.json.limit, 10);
      const windows = ok(await other.client.from('rate_limits').select('function_name, request_count'),
        'the user reads their rate-limit window');
      assert.equal(windows.reduce((n, w) => n + w.request_count, 0), 10);
      // the ten stories are written (the same request within the TTL may come from the cache)
      await until('the ten stories complete',
        async () => ok(await other.client.from('stories').select('status').in('id', accepted), 'the ten stories'),
        (rows) => rows.length === 10 && rows.every((r) => r.status === 'completed'));
    });

    test('the ledger reconciles with no drift', async () => {
      const res = await http('/api/v1/admin/ledger/reconcile', {
        token: server.serviceKey, apikey: server.serviceKey,
      });
      assert.equal(res.status, 200, describeHttp(res));
      assert.equal(res.json.drift, 0, describeHttp(res));
    });
  });
}
