// The one test file: starts a single Atelier server (a JVM with embedded PostgreSQL takes
// seconds to start) and runs every scenario module against it. Scenario modules live in
// ./scenarios and are not test files themselves, so `node --test tests/` loads only this one.
import { after, before, describe } from 'node:test';
import { startServer, stopServer } from './support/server.js';
import * as auth from './scenarios/auth.js';
import * as ownership from './scenarios/ownership.js';
import * as queries from './scenarios/queries.js';
import * as rpc from './scenarios/rpc.js';
import * as tokens from './scenarios/tokens.js';
import * as http from './scenarios/http.js';
import * as apps from './scenarios/apps.js';
import * as storage from './scenarios/storage.js';
import * as resumable from './scenarios/resumable.js';
import * as algorhythmicGeneration from './scenarios/algorhythmic-generation.js';
import * as infinitestoriesGeneration from './scenarios/infinitestories-generation.js';
import * as flags from './scenarios/flags.js';
import * as delula from './scenarios/delula.js';
import * as adminUsers from './scenarios/admin-users.js';
import * as postgrest from './scenarios/postgrest.js';
import * as postgrestAggregates from './scenarios/postgrest-aggregates.js';
import * as postgrestPrefer from './scenarios/postgrest-prefer.js';
import * as postgrestMedia from './scenarios/postgrest-media.js';
import * as postgrestRelationships from './scenarios/postgrest-relationships.js';
import * as postgrestContext from './scenarios/postgrest-context.js';

describe('Atelier through @supabase/supabase-js', () => {
  before(startServer, { timeout: 120_000 });
  after(stopServer, { timeout: 60_000 });

  auth.register();
  ownership.register();
  queries.register();
  rpc.register();
  tokens.register();
  http.register();
  apps.register();
  storage.register();
  resumable.register();
  algorhythmicGeneration.register();
  infinitestoriesGeneration.register();
  flags.register();
  delula.register();
  adminUsers.register();
  postgrest.register();
  postgrestAggregates.register();
  postgrestPrefer.register();
  postgrestMedia.register();
  postgrestRelationships.register();
  postgrestContext.register();
});
