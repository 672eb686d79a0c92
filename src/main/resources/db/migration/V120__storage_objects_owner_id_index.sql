-- =============================================================================================
-- V120: deleting a user (platform.delete_user, V118) and exporting their data find their storage
-- objects by owner or owner_id. owner had an index (V60), owner_id none: each deletion read the
-- whole table. With both, PostgreSQL answers the OR from the two indexes.
-- =============================================================================================

CREATE INDEX objects_owner_id_idx ON storage.objects (owner_id);
