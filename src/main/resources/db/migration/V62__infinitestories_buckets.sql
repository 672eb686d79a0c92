-- =============================================================================================
-- V62: InfiniteStories' buckets. `avatars` (hero and profile pictures) and `illustrations`
-- (story pages, thumbnails) are public buckets: anyone reads them by URL, as the apps show them
-- in shared stories. A user writes only under a folder named by their own id
-- (avatars/<user id>/hero-1.png); illustrations are written by the server (service role), which
-- generates them, and users may add their own under their folder too.
-- =============================================================================================

INSERT INTO storage.buckets (id, name, public, file_size_limit, allowed_mime_types)
VALUES ('avatars', 'avatars', true, 5242880, ARRAY['image/png', 'image/jpeg', 'image/webp', 'image/gif']),
       ('illustrations', 'illustrations', true, 20971520, ARRAY['image/*']);

CREATE POLICY "Users read InfiniteStories images" ON storage.objects
    FOR SELECT TO anon, authenticated
    USING (bucket_id IN ('avatars', 'illustrations'));

CREATE POLICY "Users upload InfiniteStories images to their own folder" ON storage.objects
    FOR INSERT TO authenticated
    WITH CHECK (bucket_id IN ('avatars', 'illustrations')
                AND (storage.foldername(name))[1] = (select (auth.uid())::text));

CREATE POLICY "Users replace their own InfiniteStories images" ON storage.objects
    FOR UPDATE TO authenticated
    USING (bucket_id IN ('avatars', 'illustrations')
           AND (storage.foldername(name))[1] = (select (auth.uid())::text))
    WITH CHECK (bucket_id IN ('avatars', 'illustrations')
                AND (storage.foldername(name))[1] = (select (auth.uid())::text));

CREATE POLICY "Users delete their own InfiniteStories images" ON storage.objects
    FOR DELETE TO authenticated
    USING (bucket_id IN ('avatars', 'illustrations')
           AND (storage.foldername(name))[1] = (select (auth.uid())::text));
