-- =============================================================================================
-- V71: an app's job row becomes engine work the moment it is inserted, in the inserting
-- transaction (a row rolled back never becomes a job), however it is inserted: a domain
-- endpoint, the data API, a seed's function. And a job whose row is deleted (its user's account
-- went, a retention clean-up) is forgotten with it.
--
--   platform.enqueue_app_row(kind [, kind_column])  AFTER INSERT ... FOR EACH ROW
--       kind is the job type; when kind_column is given, the row's value of that column is
--       appended after a colon (rotation.jobs: 'rotation.jobs:' || type). From the row, when the
--       columns exist: priority, scheduled_at (run_at), max_retries (max_attempts = retries + 1),
--       depends_on_job_id (a dependency on that row's job). The row's primary key is column id.
--   platform.forget_app_row()                       AFTER DELETE ... FOR EACH ROW
--
-- SECURITY DEFINER: the inserting role (a user through the data API) may not touch
-- platform.jobs. Both only ever write the job of the very row that fired them.
-- =============================================================================================

CREATE FUNCTION platform.enqueue_app_row()
RETURNS trigger
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = ''
AS $$
DECLARE
    app_row     constant jsonb := pg_catalog.to_jsonb(NEW);
    source      constant text := TG_TABLE_SCHEMA || '.' || TG_TABLE_NAME;
    job_kind    text := TG_ARGV[0];
    new_id      bigint;
    dependency  bigint;
BEGIN
    IF TG_NARGS > 1 THEN
        job_kind := job_kind || ':' || (app_row ->> TG_ARGV[1]);
    END IF;
    IF app_row ? 'depends_on_job_id' AND app_row ->> 'depends_on_job_id' IS NOT NULL THEN
        SELECT j.id INTO dependency FROM platform.jobs j
        WHERE j.app_table = source AND j.app_key = app_row ->> 'depends_on_job_id';
    END IF;
    INSERT INTO platform.jobs (queue, kind, app_table, app_key, state, priority, run_at, max_attempts)
    VALUES (TG_TABLE_SCHEMA, job_kind, source, app_row ->> 'id',
            CASE WHEN dependency IS NULL THEN 'available' ELSE 'waiting' END,
            coalesce((app_row ->> 'priority')::smallint, 5),
            coalesce((app_row ->> 'scheduled_at')::timestamptz, pg_catalog.now()),
            (app_row ->> 'max_retries')::integer + 1)
    RETURNING id INTO new_id;
    IF dependency IS NOT NULL THEN
        INSERT INTO platform.job_dependencies (job_id, depends_on) VALUES (new_id, dependency);
    END IF;
    PERFORM pg_catalog.pg_notify('atelier_jobs', TG_TABLE_SCHEMA);
    RETURN NULL;
END;
$$;

CREATE FUNCTION platform.forget_app_row()
RETURNS trigger
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = ''
AS $$
BEGIN
    DELETE FROM platform.jobs j
    WHERE j.app_table = TG_TABLE_SCHEMA || '.' || TG_TABLE_NAME AND j.app_key = (pg_catalog.to_jsonb(OLD) ->> 'id');
    RETURN NULL;
END;
$$;
