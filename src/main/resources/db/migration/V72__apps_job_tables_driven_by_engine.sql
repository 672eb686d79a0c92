-- =============================================================================================
-- V72: the four job tables of the documents are driven by the job engine (V70, V71). A row
-- inserted as pending becomes a job in the same transaction; a deleted row takes its job along.
-- The engine writes each table's own status words (docs/adr/0011-job-engine.md).
-- One table per pair of lines.
-- =============================================================================================

CREATE TRIGGER generation_jobs_enqueue AFTER INSERT ON algorhythmic.generation_jobs
    FOR EACH ROW WHEN (NEW.status = 'pending') EXECUTE FUNCTION platform.enqueue_app_row('algorhythmic.generation');
CREATE TRIGGER generation_jobs_forget AFTER DELETE ON algorhythmic.generation_jobs
    FOR EACH ROW EXECUTE FUNCTION platform.forget_app_row();

CREATE TRIGGER generations_enqueue AFTER INSERT ON delula.generations
    FOR EACH ROW WHEN (NEW.status = 'pending') EXECUTE FUNCTION platform.enqueue_app_row('delula.generation');
CREATE TRIGGER generations_forget AFTER DELETE ON delula.generations
    FOR EACH ROW EXECUTE FUNCTION platform.forget_app_row();

CREATE TRIGGER story_illustrations_enqueue AFTER INSERT ON infinitestories.story_illustrations
    FOR EACH ROW WHEN (NEW.status = 'pending') EXECUTE FUNCTION platform.enqueue_app_row('infinitestories.illustration');
CREATE TRIGGER story_illustrations_forget AFTER DELETE ON infinitestories.story_illustrations
    FOR EACH ROW EXECUTE FUNCTION platform.forget_app_row();

CREATE TRIGGER jobs_enqueue AFTER INSERT ON rotation.jobs
    FOR EACH ROW WHEN (NEW.status = 'pending') EXECUTE FUNCTION platform.enqueue_app_row('rotation.jobs', 'type');
CREATE TRIGGER jobs_forget AFTER DELETE ON rotation.jobs
    FOR EACH ROW EXECUTE FUNCTION platform.forget_app_row();
