-- =============================================================================================
-- V70: the job engine's tables (docs/adr/0011-job-engine.md).
--
-- platform.jobs holds what only the engine needs to run a job: its queue, kind, priority, when
-- it may run, the lease (who runs it, until when, which attempt) and the errors of past attempts.
-- A job that belongs to an app table (rotation.jobs, delula.generations, ...) names its row in
-- app_table/app_key, and that row stays the record the app's document describes: the engine
-- writes its status words, progress, attempts and error in the same transaction as each of its
-- own transitions, so the two never disagree. Platform work without an app table (periodic
-- clean-ups, the noop benchmark job) has only this row.
-- Only service_role (the server's engine, operators) reads or writes these tables.
-- =============================================================================================

CREATE TABLE platform.jobs (
    id                    bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    queue                 text NOT NULL DEFAULT 'default' CHECK (pg_catalog.length(queue) BETWEEN 1 AND 100),
    kind                  text NOT NULL CHECK (pg_catalog.length(kind) BETWEEN 1 AND 200),
    app_table             text,
    app_key               text,
    args                  jsonb NOT NULL DEFAULT '{}'::jsonb,
    -- waiting: for the jobs it depends on; available: may run from run_at on; running: leased.
    state                 text NOT NULL DEFAULT 'available'
                          CHECK (state IN ('waiting', 'available', 'running', 'completed', 'failed', 'cancelled')),
    priority              smallint NOT NULL DEFAULT 5,                -- lower runs first (Rotation: 1 = highest)
    run_at                timestamptz NOT NULL DEFAULT now(),
    attempt               integer NOT NULL DEFAULT 0 CHECK (attempt >= 0), -- attempts started; the fencing token
    max_attempts          integer CHECK (max_attempts >= 1),          -- NULL: the job type's maximum
    lease_owner           text,
    lease_expires_at      timestamptz,
    heartbeat_at          timestamptz,
    deadline_at           timestamptz,                                -- the running attempt's timeout
    cancel_requested      boolean NOT NULL DEFAULT false,
    progress              numeric(5, 2) NOT NULL DEFAULT 0 CHECK (progress BETWEEN 0 AND 100),
    progress_message      text,
    last_error            text,
    errors                jsonb NOT NULL DEFAULT '[]'::jsonb,          -- one object per failed attempt
    on_dependency_failure text NOT NULL DEFAULT 'fail' CHECK (on_dependency_failure IN ('fail', 'cancel')),
    idempotency_key       text,
    outcome               text,                                       -- completed, failed, timeout, cancelled
    -- No updated_at: a trigger on every claim and heartbeat would cost throughput, and
    -- started_at, heartbeat_at and finished_at say when each change happened.
    created_at            timestamptz NOT NULL DEFAULT now(),
    started_at            timestamptz,
    finished_at           timestamptz,
    CONSTRAINT jobs_app_row_named CHECK ((app_table IS NULL) = (app_key IS NULL)),
    CONSTRAINT jobs_running_is_leased CHECK (state <> 'running' OR (lease_owner IS NOT NULL AND lease_expires_at IS NOT NULL))
);
-- Indexes are few and partial on purpose: a state change cannot be a HOT update, so every index
-- a job is in costs an insert at each claim and completion. Platform jobs have no app row and
-- most no idempotency key, so those two unique indexes hold only the jobs that do. Heartbeats
-- change no indexed column.
CREATE UNIQUE INDEX jobs_app_row_key ON platform.jobs (app_table, app_key) WHERE app_table IS NOT NULL;
CREATE UNIQUE INDEX jobs_idempotency_key ON platform.jobs (kind, idempotency_key) WHERE idempotency_key IS NOT NULL;
-- Claiming: the runnable jobs in the order they are taken.
CREATE INDEX jobs_claim_idx ON platform.jobs (priority, run_at, id) WHERE state = 'available';
-- Rescue and cross-instance limits look only at running jobs, a few per worker.
CREATE INDEX jobs_running_idx ON platform.jobs (kind) WHERE state = 'running';
CREATE INDEX jobs_waiting_idx ON platform.jobs (id) WHERE state = 'waiting';

-- A job waits until every job it depends on has completed. A dependency that fails or is
-- cancelled fails or cancels its dependents (jobs.on_dependency_failure).
CREATE TABLE platform.job_dependencies (
    job_id     bigint NOT NULL REFERENCES platform.jobs (id) ON DELETE CASCADE,
    depends_on bigint NOT NULL REFERENCES platform.jobs (id) ON DELETE CASCADE,
    PRIMARY KEY (job_id, depends_on),
    CONSTRAINT job_dependencies_not_self CHECK (job_id <> depends_on)
);
CREATE INDEX job_dependencies_depends_on_idx ON platform.job_dependencies (depends_on);

-- Logs of jobs whose app has no log table of its own (Rotation's go to rotation.job_logs),
-- with Rotation's levels.
CREATE TABLE platform.job_logs (
    id        bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    job_id    bigint NOT NULL REFERENCES platform.jobs (id) ON DELETE CASCADE,
    attempt   integer NOT NULL,
    level     text NOT NULL CHECK (level IN ('debug', 'info', 'warning', 'error', 'critical')),
    message   text NOT NULL,
    details   jsonb NOT NULL DEFAULT '{}'::jsonb,
    logged_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX job_logs_job_id_idx ON platform.job_logs (job_id, id);

-- A paused queue is not claimed from; its running jobs finish.
CREATE TABLE platform.job_queues (
    queue      text PRIMARY KEY CHECK (pg_catalog.length(queue) BETWEEN 1 AND 100),
    paused     boolean NOT NULL DEFAULT false,
    updated_at timestamptz NOT NULL DEFAULT now()
);

-- Periodic work: one row per schedule. The server that holds the row's lock enqueues the due
-- periods, each as a job whose idempotency key is the schedule and the period, so a period runs
-- once across every server even if two ever enqueued it.
CREATE TABLE platform.job_schedules (
    name         text PRIMARY KEY CHECK (pg_catalog.length(name) BETWEEN 1 AND 200),
    expression   text NOT NULL,
    catch_up     text NOT NULL CHECK (catch_up IN ('all', 'latest', 'skip')),
    known_since  timestamptz NOT NULL,
    last_fire_at timestamptz,
    updated_at   timestamptz NOT NULL DEFAULT now()
);

CALL platform.keep_updated_at('platform.job_queues');
CALL platform.keep_updated_at('platform.job_schedules');

REVOKE ALL ON platform.jobs, platform.job_dependencies, platform.job_logs, platform.job_queues,
    platform.job_schedules FROM PUBLIC;
GRANT SELECT, INSERT, UPDATE, DELETE ON platform.jobs, platform.job_dependencies, platform.job_logs,
    platform.job_queues, platform.job_schedules TO service_role;

CALL platform.secure_table('platform.jobs');
CALL platform.secure_table('platform.job_dependencies');
CALL platform.secure_table('platform.job_logs');
CALL platform.secure_table('platform.job_queues');
CALL platform.secure_table('platform.job_schedules');
