-- =============================================================================================
-- V82: at most one primary avatar per hero. The document keeps is_primary per gallery row and
-- indexes (hero_id, is_primary) but nothing stops two primaries; generated avatars become the
-- primary one when asked (ADR 14), so the rule is the database's. Where a hero already has
-- several, the newest stays primary. A second primary is refused with 23505 (409 through the
-- data API): demote the old one first, as the server does in the same transaction.
-- =============================================================================================

UPDATE infinitestories.hero_gallery g
SET is_primary = false
WHERE g.is_primary
  AND EXISTS (SELECT 1 FROM infinitestories.hero_gallery n
              WHERE n.hero_id = g.hero_id AND n.is_primary
                AND (n.created_at, n.id) > (g.created_at, g.id));

CREATE UNIQUE INDEX idx_gallery_one_primary ON infinitestories.hero_gallery (hero_id) WHERE is_primary;
