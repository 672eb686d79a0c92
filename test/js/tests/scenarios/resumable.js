// TUS resumable uploads through tus-js-client as Supabase documents them (6 MiB chunks,
// Upload-Metadata bucketName/objectName/contentType/cacheControl, x-upsert): a 50 MiB upload is
// interrupted, the server restarts, and the upload resumes from where the server says it is.
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { before, describe, test } from 'node:test';
import * as tus from 'tus-js-client';
import { newUser, ok } from '../support/clients.js';
import { restartServer, server } from '../support/server.js';

const MiB = 1024 * 1024;
const sha256 = (b) => createHash('sha256').update(b).digest('hex');

function options(user, objectName, extra = {}) {
  return {
    endpoint: `${server.url}/storage/v1/upload/resumable`,
    retryDelays: [],
    headers: { authorization: `Bearer ${user.session.access_token}`, apikey: server.anonKey, 'x-upsert': 'true' },
    uploadDataDuringCreation: true,
    removeFingerprintOnSuccess: true,
    metadata: { bucketName: 'assets', objectName, contentType: 'video/mp4', cacheControl: '3600' },
    chunkSize: 6 * MiB,
    ...extra,
  };
}

export function register() {
  describe('storage: resumable uploads (TUS)', () => {
    let a;
    let b;
    before(async () => {
      a = await newUser('tus-a');
      b = await newUser('tus-b');
    });

    test('a 50 MiB upload interrupted mid-way resumes after a server restart', { timeout: 120_000 }, async () => {
      const data = randomBytes(50 * MiB);
      const objectName = `${a.id}/clip-${Date.now()}.mp4`;
      let uploadUrl = null;
      await new Promise((resolve, reject) => {
        const upload = new tus.Upload(data, options(a, objectName, {
          onError: reject,
          onSuccess: () => reject(new Error('the upload finished before it was interrupted')),
          onChunkComplete: (_size, accepted) => {
            uploadUrl = upload.url;
            if (accepted >= 18 * MiB) {
              upload.abort().then(resolve, reject);
            }
          },
        }));
        upload.start();
      });
      assert.ok(uploadUrl, 'the server gave the upload a URL');

      await restartServer();

      const head = await fetch(uploadUrl, { method: 'HEAD', headers: { authorization: `Bearer ${a.session.access_token}`, 'Tus-Resumable': '1.0.0' } });
      assert.equal(head.status, 200);
      const offset = Number(head.headers.get('upload-offset'));
      assert.ok(offset >= 18 * MiB && offset < 50 * MiB, `offset ${offset} after the restart`);
      const other = await fetch(uploadUrl, { method: 'HEAD', headers: { authorization: `Bearer ${b.session.access_token}`, 'Tus-Resumable': '1.0.0' } });
      assert.equal(other.status, 404, 'another user cannot see or continue the upload');

      let resumedFrom = null;
      await new Promise((resolve, reject) => {
        const upload = new tus.Upload(data, options(a, objectName, {
          uploadUrl,
          onError: reject,
          onSuccess: resolve,
          onProgress: (sent) => { if (resumedFrom === null) resumedFrom = sent; },
        }));
        upload.start();
      });
      assert.ok(resumedFrom === null || resumedFrom >= offset, 'the client went on from the server\'s offset');

      const blob = ok(await a.client.storage.from('assets').download(objectName), 'download');
      const bytes = Buffer.from(await blob.arrayBuffer());
      assert.equal(bytes.length, data.length);
      assert.equal(sha256(bytes), sha256(data));
      const info = ok(await a.client.storage.from('assets').info(objectName), 'info');
      assert.equal(info.contentType, 'video/mp4');
    });

    test('a resumable upload the policies refuse is refused when it is created', async () => {
      const error = await new Promise((resolve) => {
        const upload = new tus.Upload(Buffer.from('x'), options(b, `${a.id}/intruder.mp4`, {
          onError: resolve,
          onSuccess: () => resolve(null),
        }));
        upload.start();
      });
      assert.ok(error, 'refused');
      assert.equal(error.originalResponse.getStatus(), 403);
    });
  });
}
