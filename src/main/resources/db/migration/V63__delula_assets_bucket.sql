-- =============================================================================================
-- V63: Delula's bucket `assets` and its link to delula.user_assets (seeds/delula.md: s3Key,
-- cdnUrl, mime type, size, dimensions, soft delete).
--   * A user uploads only under assets/<user id>/..., reads, replaces, moves and deletes only there.
--   * Every write of an object there, through storage-js or the service role, creates or updates
--     the user's user_assets row in the same transaction (s3_key = 'assets/<name>', cdn_url the
--     object's path under /storage/v1, mime type, size, and width/height for images, which the
--     server reads from the image header into the object's metadata). A move follows the key; a
--     removed object soft-deletes its row.
--   * A soft-deleted asset (the user's DELETE on user_assets, V41) hides its file too: the
--     object is no longer served to the user, though its bytes stay until the retention clean-up
--     (service role) removes the object.
-- user_assets stays the record of the asset (one source of truth): this trigger only keeps its
-- storage columns in step with the object.
-- =============================================================================================

INSERT INTO storage.buckets (id, name, public, file_size_limit, allowed_mime_types)
VALUES ('assets', 'assets', false, 524288000, ARRAY['image/*', 'video/*', 'audio/*']);

-- The trigger and the policy look assets up by key.
CREATE INDEX idx_user_assets_s3_key ON delula.user_assets (s3_key);

-- True when the newest user_assets row of an object is soft-deleted. SECURITY DEFINER: the
-- user's own policies hide deleted rows from them, so as the caller it could never see one.
CREATE FUNCTION delula.storage_asset_hidden(object_name text)
RETURNS boolean
LANGUAGE sql
STABLE
SECURITY DEFINER
SET search_path = ''
AS $$
    SELECT coalesce((SELECT a.is_deleted FROM delula.user_assets a
                     WHERE a.s3_key = 'assets/' || object_name
                     ORDER BY a.created_at DESC, a.id DESC LIMIT 1), false)
$$;
GRANT EXECUTE ON FUNCTION delula.storage_asset_hidden(text) TO authenticated;

CREATE POLICY "Delula users read their own live assets" ON storage.objects
    FOR SELECT TO authenticated
    USING (bucket_id = 'assets' AND (storage.foldername(name))[1] = (select (auth.uid())::text)
           AND NOT delula.storage_asset_hidden(name));

CREATE POLICY "Delula users upload their own assets" ON storage.objects
    FOR INSERT TO authenticated
    WITH CHECK (bucket_id = 'assets' AND (storage.foldername(name))[1] = (select (auth.uid())::text));

CREATE POLICY "Delula users replace and move their own assets" ON storage.objects
    FOR UPDATE TO authenticated
    USING (bucket_id = 'assets' AND (storage.foldername(name))[1] = (select (auth.uid())::text))
    WITH CHECK (bucket_id = 'assets' AND (storage.foldername(name))[1] = (select (auth.uid())::text));

CREATE POLICY "Delula users delete their own assets" ON storage.objects
    FOR DELETE TO authenticated
    USING (bucket_id = 'assets' AND (storage.foldername(name))[1] = (select (auth.uid())::text));

CREATE FUNCTION delula.sync_user_asset_from_storage()
RETURNS trigger
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = ''
AS $$
DECLARE
    v_user  text;
    v_mime  text;
    v_type  text;
    v_dims  jsonb;
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') AND OLD.bucket_id = 'assets' THEN
        IF TG_OP = 'UPDATE' AND NEW.bucket_id = 'assets' AND NEW.name <> OLD.name THEN
            UPDATE delula.user_assets a
            SET s3_key = 'assets/' || NEW.name,
                cdn_url = '/storage/v1/object/authenticated/assets/' || NEW.name
            WHERE a.s3_key = 'assets/' || OLD.name AND NOT a.is_deleted;
        ELSIF TG_OP = 'DELETE' OR NEW.bucket_id <> 'assets' THEN
            UPDATE delula.user_assets a
            SET is_deleted = true, deleted_at = pg_catalog.now()
            WHERE a.s3_key = 'assets/' || OLD.name AND NOT a.is_deleted;
        END IF;
        IF TG_OP = 'DELETE' THEN
            RETURN OLD;
        END IF;
    END IF;
    IF NEW.bucket_id <> 'assets' THEN
        RETURN NEW;
    END IF;
    v_user := (storage.foldername(NEW.name))[1];
    IF v_user IS NULL OR NOT EXISTS (SELECT 1 FROM delula.users u WHERE u.id = v_user) THEN
        RETURN NEW;
    END IF;
    v_mime := pg_catalog.lower(pg_catalog.btrim(pg_catalog.split_part(NEW.metadata ->> 'mimetype', ';', 1)));
    v_type := CASE pg_catalog.split_part(v_mime, '/', 1)
                  WHEN 'image' THEN 'image' WHEN 'video' THEN 'video' WHEN 'audio' THEN 'audio' END;
    IF v_type IS NULL THEN
        RETURN NEW;
    END IF;
    v_dims := CASE WHEN NEW.metadata ? 'width' AND NEW.metadata ? 'height'
                   THEN pg_catalog.jsonb_build_object('width', NEW.metadata -> 'width',
                                                      'height', NEW.metadata -> 'height') END;
    UPDATE delula.user_assets a
    SET mime_type = v_mime,
        file_size = (NEW.metadata ->> 'size')::bigint,
        asset_type = v_type,
        dimensions = v_dims,
        cdn_url = '/storage/v1/object/authenticated/assets/' || NEW.name
    WHERE a.s3_key = 'assets/' || NEW.name AND NOT a.is_deleted;
    IF NOT FOUND THEN
        INSERT INTO delula.user_assets (user_id, original_filename, display_name, s3_key, cdn_url,
                                        mime_type, file_size, asset_type, source, dimensions)
        VALUES (v_user, storage.filename(NEW.name), storage.filename(NEW.name), 'assets/' || NEW.name,
                '/storage/v1/object/authenticated/assets/' || NEW.name,
                v_mime, (NEW.metadata ->> 'size')::bigint, v_type, 'upload', v_dims);
    END IF;
    RETURN NEW;
END;
$$;

CREATE TRIGGER sync_delula_user_assets AFTER INSERT OR UPDATE OR DELETE ON storage.objects
    FOR EACH ROW EXECUTE FUNCTION delula.sync_user_asset_from_storage();
