// Clients as an app would create them, raw HTTP for what supabase-js hides, self-signed tokens,
// and object mothers for InfiniteStories rows.
import assert from 'node:assert/strict';
import { createHmac, randomUUID } from 'node:crypto';
import { createClient } from '@supabase/supabase-js';
import WebSocket from 'ws';
import { server } from './server.js';

export const SCHEMA = 'infinitestories';
export const PASSWORD = 'correct horse battery staple';

const RUN = Date.now().toString(36);
let serial = 0;

const REQUEST_TIMEOUT_MS = 30_000;

/** fetch with a deadline, so a request the server never answers fails its test instead of hanging the run. */
const fetchWithTimeout = (input, init = {}) => fetch(input, { ...init, signal: init.signal ?? AbortSignal.timeout(REQUEST_TIMEOUT_MS) });

const CLIENT_OPTIONS = {
  auth: { persistSession: false, autoRefreshToken: false, detectSessionInUrl: false },
  // supabase-js builds a Realtime client in its constructor, and on Node 20 (no global WebSocket)
  // that needs a transport; it is never connected here.
  realtime: { transport: WebSocket },
};

/** A supabase-js client on the InfiniteStories schema with the given API key (anon by default). */
export function client({ key = server.anonKey, schema = SCHEMA, accessToken } = {}) {
  const options = { ...CLIENT_OPTIONS, db: { schema }, global: { fetch: fetchWithTimeout } };
  if (accessToken) {
    options.global.headers = { Authorization: `Bearer ${accessToken}` };
  }
  return createClient(server.url, key, options);
}

export const anonClient = () => client();
export const serviceClient = () => client({ key: server.serviceKey });

/** A unique, valid e-mail address for this run. */
export function uniqueEmail(label) {
  serial += 1;
  return `${label}-${RUN}-${serial}@atelier.test`;
}

/**
 * Signs up a new user through supabase-js and returns its client (holding the session, so every
 * data request carries the user's access token), id, email and session.
 */
export async function newUser(label = 'user') {
  const email = uniqueEmail(label);
  const supabase = client();
  const { data, error } = await supabase.auth.signUp({ email, password: PASSWORD });
  assert.equal(error, null, `sign-up of ${email} failed: ${explain(error)}`);
  assert.ok(data.session, `sign-up of ${email} returned no session (autoconfirm expected)`);
  return { client: supabase, id: data.user.id, email, session: data.session };
}

/** A compact description of a supabase-js result or error, for assertion messages. */
export function explain(value) {
  if (value === null || value === undefined) return String(value);
  if (value instanceof Error) {
    return JSON.stringify({ name: value.name, status: value.status, code: value.code, message: value.message });
  }
  const { error, status, statusText, data, count } = value;
  if ('error' in value || 'status' in value) {
    return JSON.stringify({ status, statusText, error, count, data });
  }
  return JSON.stringify(value);
}

/** Asserts a supabase-js data result succeeded and returns its data. */
export function ok(result, what) {
  assert.equal(result.error, null, `${what} failed: ${explain(result)}`);
  return result.data;
}

/** Asserts a supabase-js data result failed with the given PostgREST code and HTTP status. */
export function fails(result, { code, status }, what) {
  assert.notEqual(result.error, null, `${what} should have failed with ${code}, got ${explain(result)}`);
  assert.equal(result.error.code, code, `${what}: error code, in ${explain(result)}`);
  if (status !== undefined) {
    assert.equal(result.status, status, `${what}: HTTP status, in ${explain(result)}`);
  }
  return result.error;
}

/**
 * Raw HTTP to the server, for status codes and headers. `token` becomes `Authorization: Bearer`,
 * `apikey` the apikey header; neither is sent unless given.
 */
export async function http(path, { method = 'GET', token, apikey, headers = {}, body } = {}) {
  const all = { ...headers };
  if (token) all.Authorization = `Bearer ${token}`;
  if (apikey) all.apikey = apikey;
  if (body !== undefined && !all['Content-Type']) all['Content-Type'] = 'application/json';
  const res = await fetchWithTimeout(`${server.url}${path}`, {
    method,
    headers: all,
    body: body === undefined ? undefined : (typeof body === 'string' ? body : JSON.stringify(body)),
  });
  const text = await res.text();
  let json;
  try {
    json = text === '' ? undefined : JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, statusText: res.statusText, headers: res.headers, text, json };
}

/** `http` against /rest/v1 with the InfiniteStories profile header for the method. */
export function rest(path, options = {}) {
  const method = options.method ?? 'GET';
  const profile = method === 'GET' || method === 'HEAD' ? 'Accept-Profile' : 'Content-Profile';
  return http(`/rest/v1${path}`, { ...options, headers: { [profile]: SCHEMA, ...options.headers } });
}

export function describeHttp(res) {
  return `HTTP ${res.status} ${res.text.slice(0, 500)}`;
}

const b64url = (value) => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');

/** An HS256 JWT over `claims`, signed with `secret`. */
export function signJwt(claims, secret) {
  const unsigned = `${b64url({ alg: 'HS256', typ: 'JWT' })}.${b64url(claims)}`;
  const signature = createHmac('sha256', secret).update(unsigned).digest('base64url');
  return `${unsigned}.${signature}`;
}

/** Whether `token`'s HS256 signature verifies with `secret`. */
export function verifyHs256(token, secret) {
  const [header, payload, signature] = token.split('.');
  const expected = createHmac('sha256', secret).update(`${header}.${payload}`).digest('base64url');
  return signature === expected;
}

export function decodeJwt(token) {
  const [header, payload] = token.split('.');
  return {
    header: JSON.parse(Buffer.from(header, 'base64url').toString()),
    payload: JSON.parse(Buffer.from(payload, 'base64url').toString()),
  };
}

export const nowSeconds = () => Math.floor(Date.now() / 1000);

// ---------------------------------------------------------------------------------------------
// Object mothers: the columns each table requires, with overrides.
// ---------------------------------------------------------------------------------------------

export function aHero(userId, overrides = {}) {
  return {
    user_id: userId,
    name: `Hero ${randomUUID().slice(0, 8)}`,
    primary_trait: 'brave',
    secondary_trait: 'kind',
    ...overrides,
  };
}

export function aStory(userId, overrides = {}) {
  return {
    user_id: userId,
    title: `Story ${randomUUID().slice(0, 8)}`,
    content: 'Once upon a time, a small dragon learned to whistle.',
    event_type: 'built_in',
    event_data: { event: 'bedtime', mood: 'calm' },
    ...overrides,
  };
}

export function aCustomEvent(userId, overrides = {}) {
  return {
    user_id: userId,
    title: `Event ${randomUUID().slice(0, 8)}`,
    prompt_seed: 'a picnic on the moon',
    category: 'adventure',
    ...overrides,
  };
}

export const ids = (rows) => rows.map((r) => r.id).sort();
