// Files through supabase-js's storage client (@supabase/storage-js, pinned with supabase-js):
// buckets, objects, public and signed URLs, signed uploads, row-level security per user, limits,
// thumbnails, and the apps' buckets (Algorhythmic art, InfiniteStories avatars, Delula assets).
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { explain, newUser, ok, serviceClient, client } from '../support/clients.js';
import { server } from '../support/server.js';
import { png, pngSize } from '../support/png.js';

const RUN = Date.now().toString(36);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Asserts a storage-js call failed with Supabase's error: HTTP status and statusCode. */
function storageFails(result, { status = 400, statusCode }, what) {
  assert.equal(result.data, null, `${what} should fail: ${explain(result)}`);
  assert.ok(result.error, `${what} should fail`);
  assert.equal(result.error.status, status, `${what}: HTTP status ${explain(result.error)}`);
  assert.equal(String(result.error.statusCode), statusCode, `${what}: statusCode ${explain(result.error)}`);
  return result.error;
}

const text = async (blob) => Buffer.from(await blob.arrayBuffer()).toString('utf8');

export function register() {
  describe('storage: buckets', () => {
    const id = `e2e-${RUN}`;
    test('the service role creates, reads, lists, updates, empties and deletes a bucket', async () => {
      const admin = serviceClient().storage;
      assert.deepEqual(ok(await admin.createBucket(id, { public: false, fileSizeLimit: '1MB', allowedMimeTypes: ['text/*'] }), 'create'), { name: id });
      const bucket = ok(await admin.getBucket(id), 'get');
      assert.equal(bucket.id, id);
      assert.equal(bucket.public, false);
      assert.equal(bucket.file_size_limit, 1048576);
      assert.deepEqual(bucket.allowed_mime_types, ['text/*']);
      const all = ok(await admin.listBuckets(), 'list');
      assert.ok(all.some((b) => b.id === id) && all.some((b) => b.id === 'avatars'));
      ok(await admin.updateBucket(id, { public: true, fileSizeLimit: 2048, allowedMimeTypes: null }), 'update');
      const updated = ok(await admin.getBucket(id), 'get after update');
      assert.equal(updated.public, true);
      assert.equal(updated.file_size_limit, 2048);
      storageFails(await admin.createBucket(id), { statusCode: '409' }, 'a second bucket of the same id');
      ok(await admin.from(id).upload('a.txt', 'a'), 'upload');
      storageFails(await admin.deleteBucket(id), { statusCode: '409' }, 'deleting a bucket that is not empty');
      ok(await admin.emptyBucket(id), 'empty');
      assert.deepEqual(ok(await admin.from(id).list(), 'list after empty'), []);
      ok(await admin.deleteBucket(id), 'delete');
      storageFails(await admin.getBucket(id), { statusCode: '404' }, 'get after delete');
    });

    test('anon and users cannot create buckets (no policy): Supabase\'s 403 in a 400', async () => {
      storageFails(await client().storage.createBucket(`anon-${RUN}`), { statusCode: '403' }, 'anon createBucket');
    });
  });

  describe('storage: objects through the service role', () => {
    const id = `files-${RUN}`;
    let files;
    before(async () => {
      const admin = serviceClient().storage;
      ok(await admin.createBucket(id, { public: false }), 'create bucket');
      files = admin.from(id);
    });

    test('upload, upsert, download, info, exists', async () => {
      const up = ok(await files.upload('docs/hello.txt', 'hello', { contentType: 'text/plain', metadata: { lang: 'en' } }), 'upload');
      assert.equal(up.path, 'docs/hello.txt');
      assert.equal(up.fullPath, `${id}/docs/hello.txt`);
      assert.ok(up.id);
      storageFails(await files.upload('docs/hello.txt', 'again'), { statusCode: '409' }, 'upload over an existing object');
      ok(await files.upload('docs/hello.txt', new Blob(['hello, world'], { type: 'text/plain' }), { upsert: true, cacheControl: '60' }), 'upsert (multipart)');
      assert.equal(await text(ok(await files.download('docs/hello.txt'), 'download')), 'hello, world');
      const info = ok(await files.info('docs/hello.txt'), 'info');
      assert.equal(info.size, 12);
      assert.equal(info.contentType, 'text/plain');
      assert.equal(info.cacheControl, 'max-age=60');
      assert.equal(info.bucketId, id);
      assert.equal(ok(await files.exists('docs/hello.txt'), 'exists'), true);
      assert.equal((await files.exists('docs/nothing.txt')).data, false);
      storageFails(await files.download('docs/nothing.txt'), { statusCode: '404' }, 'download of a missing object');
    });

    test('list: one level, folders with id null, limit/offset/sortBy/search', async () => {
      for (const n of ['b.txt', 'a.txt', 'sub/c.txt', 'sub/deeper/d.txt']) {
        ok(await files.upload(`list/${n}`, n), `upload ${n}`);
      }
      const top = ok(await files.list('list'), 'list');
      assert.deepEqual(top.map((e) => e.name), ['a.txt', 'b.txt', 'sub']);
      assert.equal(top[2].id, null);
      assert.equal(top[2].metadata, null);
      assert.ok(top[0].id && top[0].metadata.size === 5 && top[0].metadata.mimetype);
      assert.deepEqual(ok(await files.list('list', { limit: 1, offset: 1 }), 'page').map((e) => e.name), ['b.txt']);
      assert.deepEqual(ok(await files.list('list', { sortBy: { column: 'name', order: 'desc' } }), 'desc').map((e) => e.name), ['sub', 'b.txt', 'a.txt']);
      assert.deepEqual(ok(await files.list('list', { search: 'b' }), 'search').map((e) => e.name), ['b.txt']);
      assert.deepEqual(ok(await files.list('list/sub'), 'sub').map((e) => e.name), ['c.txt', 'deeper']);
    });

    test('move, copy, remove', async () => {
      ok(await files.upload('mv/one.txt', 'one'), 'upload');
      ok(await files.move('mv/one.txt', 'mv/two.txt'), 'move');
      assert.equal((await files.exists('mv/one.txt')).data, false);
      assert.equal(await text(ok(await files.download('mv/two.txt'), 'download moved')), 'one');
      assert.equal(ok(await files.copy('mv/two.txt', 'mv/three.txt'), 'copy').path, `${id}/mv/three.txt`);
      assert.equal(await text(ok(await files.download('mv/three.txt'), 'download copy')), 'one');
      const removed = ok(await files.remove(['mv/two.txt', 'mv/three.txt', 'mv/none.txt']), 'remove');
      assert.deepEqual(removed.map((r) => r.name).sort(), ['mv/three.txt', 'mv/two.txt']);
      assert.deepEqual(ok(await files.list('mv'), 'list after remove'), []);
      storageFails(await files.move('mv/two.txt', 'mv/four.txt'), { statusCode: '404' }, 'moving a removed object');
    });

    test('download: Range and ETag / If-None-Match over raw HTTP', async () => {
      ok(await files.upload('range.txt', '0123456789'), 'upload');
      const url = `${server.url}/storage/v1/object/${id}/range.txt`;
      const headers = { apikey: server.serviceKey, Authorization: `Bearer ${server.serviceKey}` };
      const part = await fetch(url, { headers: { ...headers, Range: 'bytes=2-5' } });
      assert.equal(part.status, 206);
      assert.equal(part.headers.get('content-range'), 'bytes 2-5/10');
      assert.equal(await part.text(), '2345');
      const whole = await fetch(url, { headers });
      const etag = whole.headers.get('etag');
      assert.match(etag, /^"[0-9a-f]{32}"$/);
      await whole.arrayBuffer();
      const again = await fetch(url, { headers: { ...headers, 'If-None-Match': etag } });
      assert.equal(again.status, 304);
    });

    test('signed download URLs work, then expire', async () => {
      ok(await files.upload('signed.txt', 'secret'), 'upload');
      const { signedUrl } = ok(await files.createSignedUrl('signed.txt', 2), 'sign');
      const res = await fetch(signedUrl);
      assert.equal(res.status, 200);
      assert.equal(await res.text(), 'secret');
      const many = ok(await files.createSignedUrls(['signed.txt', 'nope.txt'], 60), 'sign many');
      assert.equal(many[0].error, null);
      assert.equal(await (await fetch(many[0].signedUrl)).text(), 'secret');
      assert.equal(many[1].signedUrl, null);
      assert.ok(many[1].error);
      const tampered = signedUrl.replace('signed.txt', 'range.txt');
      assert.equal((await fetch(tampered)).status, 400, 'a token is for one object only');
      await sleep(2100);
      const late = await fetch(signedUrl);
      assert.equal(late.status, 400);
      const body = await late.json();
      assert.equal(body.statusCode, '400');
      assert.equal(body.error, 'Unauthorized');
      assert.match(body.message, /expired/);
    });

    test('signed uploads: a token from the service role lets anyone put that one object', async () => {
      const { token, path } = ok(await files.createSignedUploadUrl('incoming/file.txt'), 'sign upload');
      const anon = client().storage.from(id);
      ok(await anon.uploadToSignedUrl(path, token, 'from a browser', { contentType: 'text/plain' }), 'upload to signed URL');
      assert.equal(await text(ok(await files.download('incoming/file.txt'), 'download')), 'from a browser');
      storageFails(await anon.uploadToSignedUrl('incoming/other.txt', token, 'x'), { statusCode: '400' }, 'the token for another path');
    });
  });

  describe('storage: row-level security and the apps\' buckets', () => {
    let a;
    let b;
    before(async () => {
      a = await newUser('storage-a');
      b = await newUser('storage-b');
    });

    test('Algorhythmic art: a user reads and writes only their own .private/ files', async () => {
      const mine = `.private/${a.id}/logo.png`;
      const artA = a.client.storage.from('art');
      const artB = b.client.storage.from('art');
      ok(await artA.upload(mine, png(8, 8), { contentType: 'image/png' }), 'a uploads a private file');
      assert.equal((await (ok(await artA.download(mine), 'a reads it'))).size > 0, true);
      storageFails(await artB.download(mine), { statusCode: '404' }, 'b reads a\'s private file');
      storageFails(await artB.upload(mine, png(4, 4), { contentType: 'image/png', upsert: true }), { statusCode: '403' }, 'b overwrites a\'s private file');
      storageFails(await artB.upload(`.private/${a.id}/new.png`, png(4, 4), { contentType: 'image/png' }), { statusCode: '403' }, 'b writes into a\'s folder');
      assert.deepEqual(ok(await artB.remove([mine]), 'b removes a\'s file: nothing removed'), []);
      assert.equal((await artA.exists(mine)).data, true, 'still there');
      storageFails(await artB.move(mine, `.private/${b.id}/stolen.png`), { statusCode: '404' }, 'b moves a\'s file');
      const publicUrl = artA.getPublicUrl(mine).data.publicUrl;
      assert.equal((await fetch(publicUrl)).status, 400, 'no public URL for .private/');
    });

    test('Algorhythmic art: public/ is readable by anyone through its public URL, without a token', async () => {
      const art = serviceClient().storage.from('art');
      ok(await art.upload(`public/generated/${RUN}.png`, png(10, 10), { contentType: 'image/png' }), 'server uploads art');
      const res = await fetch(art.getPublicUrl(`public/generated/${RUN}.png`).data.publicUrl);
      assert.equal(res.status, 200);
      assert.equal(res.headers.get('content-type'), 'image/png');
      assert.deepEqual(pngSize(await res.arrayBuffer()), { width: 10, height: 10 });
      storageFails(await a.client.storage.from('art').upload(`public/${RUN}.png`, png(2, 2), { contentType: 'image/png' }), { statusCode: '403' }, 'a user writes into public/');
    });

    test('InfiniteStories avatars: public bucket, a thumbnail by transformation, size and MIME limits', async () => {
      const avatars = a.client.storage.from('avatars');
      const path = `${a.id}/hero.png`;
      ok(await avatars.upload(path, png(64, 48), { contentType: 'image/png' }), 'upload avatar');
      const plain = await fetch(avatars.getPublicUrl(path).data.publicUrl);
      assert.equal(plain.status, 200);
      assert.deepEqual(pngSize(await plain.arrayBuffer()), { width: 64, height: 48 });
      const thumb = await fetch(avatars.getPublicUrl(path, { transform: { width: 16, height: 16, resize: 'cover' } }).data.publicUrl);
      assert.equal(thumb.status, 200);
      assert.deepEqual(pngSize(await thumb.arrayBuffer()), { width: 16, height: 16 });
      const contained = ok(await avatars.download(path, { transform: { width: 32, height: 32, resize: 'contain' } }), 'authenticated transform');
      assert.deepEqual(pngSize(await contained.arrayBuffer()), { width: 32, height: 24 });
      storageFails(await avatars.upload(`${a.id}/big.png`, Buffer.alloc(5 * 1024 * 1024 + 1), { contentType: 'image/png' }), { statusCode: '413' }, 'over the 5 MB limit');
      storageFails(await avatars.upload(`${a.id}/notes.txt`, 'text', { contentType: 'text/plain' }), { statusCode: '415' }, 'a MIME type the bucket refuses');
      storageFails(await b.client.storage.from('avatars').upload(path, png(2, 2), { contentType: 'image/png', upsert: true }), { statusCode: '403' }, 'b replaces a\'s avatar');
    });

    test('Delula assets: an upload creates the user\'s user_assets row; removing the file soft-deletes it', async () => {
      const assets = a.client.storage.from('assets');
      const path = `${a.id}/pic-${RUN}.png`;
      ok(await assets.upload(path, png(20, 30), { contentType: 'image/png' }), 'upload asset');
      const delula = a.client.schema('delula');
      const rows = ok(await delula.from('user_assets').select('s3_key, cdn_url, mime_type, file_size, asset_type, dimensions, display_name').eq('s3_key', `assets/${path}`), 'user_assets');
      assert.equal(rows.length, 1);
      assert.equal(rows[0].mime_type, 'image/png');
      assert.equal(rows[0].asset_type, 'image');
      assert.deepEqual(rows[0].dimensions, { width: 20, height: 30 });
      assert.equal(rows[0].cdn_url, `/storage/v1/object/authenticated/assets/${path}`);
      ok(await assets.upload(path, png(40, 10), { contentType: 'image/png', upsert: true }), 'replace asset');
      const replaced = ok(await delula.from('user_assets').select('dimensions, file_size').eq('s3_key', `assets/${path}`), 'after upsert');
      assert.equal(replaced.length, 1, 'an upsert updates the same row');
      assert.deepEqual(replaced[0].dimensions, { width: 40, height: 10 });
      ok(await assets.remove([path]), 'remove');
      assert.deepEqual(ok(await delula.from('user_assets').select('id').eq('s3_key', `assets/${path}`), 'after remove'), []);
      storageFails(await b.client.storage.from('assets').upload(`${a.id}/x.png`, png(2, 2), { contentType: 'image/png' }), { statusCode: '403' }, 'b uploads into a\'s folder');
    });
  });
}
