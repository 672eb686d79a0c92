-- =============================================================================================
-- V81: illustrations are made by the server only. A pending story_illustrations row is a job
-- (V72) that calls the image provider with the prompt the server stored on the row. A user who
-- could insert one would generate images past the rate limit and the moderation of
-- POST /api/v1/infinitestories/stories; one who could update one could change its prompt or
-- its status under the engine. Users keep reading (and deleting) the illustrations of their own
-- stories; service_role writes them.
-- =============================================================================================

REVOKE INSERT, UPDATE ON infinitestories.story_illustrations FROM authenticated;
