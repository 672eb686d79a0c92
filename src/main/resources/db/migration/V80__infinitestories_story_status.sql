-- =============================================================================================
-- V80: a story's generation status. Not in the document: POST /api/v1/infinitestories/stories
-- creates the story at once and writes its text on the job engine (ADR 14), so the row must say
-- whether its text is still being written (pending, processing), is there (completed) or will
-- never come (failed; the reason in generation_metadata -> 'error'). A story a user writes
-- through the data API is complete as written: the default.
-- authenticated holds column-level INSERT and UPDATE on stories since V45, not on this column:
-- a client cannot set or change it (42501); only the server (service_role) writes it.
-- =============================================================================================

ALTER TABLE infinitestories.stories
    ADD COLUMN status text NOT NULL DEFAULT 'completed'
        CONSTRAINT stories_status_check CHECK (status IN ('pending', 'processing', 'completed', 'failed'));
