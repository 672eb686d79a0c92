-- =============================================================================================
-- V61: Algorhythmic's bucket `art` (seeds/algorhythmic.md, "Object Storage"):
--   public/<...>            generated art, library, thumbnails: anyone reads (also through
--                           /storage/v1/object/public/art/public/...); the server (service role)
--                           and the app's admins write;
--   .private/<user id>/...  business logos and user uploads: only that user reads and writes
--                           (and admins); served only through the server with the user's token,
--                           or through a signed URL (the app hands out one-hour ones).
-- The bucket itself is not "public" in Supabase's sense, which would serve every path, the
-- private ones too, to anyone: the policies below say which paths anyone may read.
-- =============================================================================================

INSERT INTO storage.buckets (id, name, public, file_size_limit, allowed_mime_types)
VALUES ('art', 'art', false, 52428800, ARRAY['image/*']);

CREATE POLICY "Anyone reads Algorhythmic public art" ON storage.objects
    FOR SELECT TO anon, authenticated
    USING (bucket_id = 'art' AND (storage.foldername(name))[1] = 'public');

CREATE POLICY "Users read their own private art files" ON storage.objects
    FOR SELECT TO authenticated
    USING (bucket_id = 'art' AND (storage.foldername(name))[1] = '.private'
           AND (storage.foldername(name))[2] = (select (auth.uid())::text));

CREATE POLICY "Users upload their own private art files" ON storage.objects
    FOR INSERT TO authenticated
    WITH CHECK (bucket_id = 'art' AND (storage.foldername(name))[1] = '.private'
                AND (storage.foldername(name))[2] = (select (auth.uid())::text));

CREATE POLICY "Users replace and move their own private art files" ON storage.objects
    FOR UPDATE TO authenticated
    USING (bucket_id = 'art' AND (storage.foldername(name))[1] = '.private'
           AND (storage.foldername(name))[2] = (select (auth.uid())::text))
    WITH CHECK (bucket_id = 'art' AND (storage.foldername(name))[1] = '.private'
                AND (storage.foldername(name))[2] = (select (auth.uid())::text));

CREATE POLICY "Users delete their own private art files" ON storage.objects
    FOR DELETE TO authenticated
    USING (bucket_id = 'art' AND (storage.foldername(name))[1] = '.private'
           AND (storage.foldername(name))[2] = (select (auth.uid())::text));

CREATE POLICY "Algorhythmic admins manage all art" ON storage.objects
    FOR ALL TO authenticated
    USING (bucket_id = 'art' AND (select algorhythmic.is_admin()))
    WITH CHECK (bucket_id = 'art' AND (select algorhythmic.is_admin()));
