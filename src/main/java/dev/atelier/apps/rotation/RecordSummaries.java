package dev.atelier.apps.rotation;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.atelier.platform.cache.Caches;
import dev.atelier.platform.cache.SharedCache;
import dev.atelier.platform.db.Caller;
import dev.atelier.platform.db.Database;
import dev.atelier.platform.http.Problem;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Optional;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RestController;

/**
 * {@code GET /api/v1/rotation/records/{id}/summary}: a record page's metadata in one read (the
 * record, its tracklist, how many copies are listed and in how many stores, its approved audio
 * previews), kept in {@code metadata_cache} as {@code record:<id>:summary}, so every server serves
 * the same copy and the five joins run once per TTL rather than once per page view. The summary
 * is built as {@code anon} sees the catalogue, so the one cached copy is right for every caller
 * and holds nothing a policy would hide from anyone.
 */
@RestController
class RecordSummaries {

    /** The cache's name: its cache_config patterns start {@code rotation.metadata_cache:}. */
    static final String CACHE = "rotation.metadata_cache";

    private static final ObjectMapper JSON = new ObjectMapper();

    private final Database database;
    private final SharedCache metadata;

    RecordSummaries(
            Database database,
            Caches caches,
            @Value("${ATELIER_ROTATION_METADATA_TTL_SECONDS:${atelier.rotation.metadata-ttl-seconds:600}}")
                    long ttlSeconds) {
        this.database = database;
        this.metadata =
                caches.metadata(CACHE, "rotation.metadata_cache", Duration.ofSeconds(Math.max(1, ttlSeconds)), null);
    }

    @GetMapping(path = "/api/v1/rotation/records/{id}/summary", produces = "application/json")
    JsonNode summary(@PathVariable String id) throws SQLException {
        int recordId;
        try {
            recordId = Integer.parseInt(id);
        } catch (NumberFormatException e) {
            throw Problem.notFound("no record has this id");
        }
        if (recordId <= 0) {
            throw Problem.notFound("no record has this id");
        }
        String key = "record:" + recordId + ":summary";
        Optional<String> cached = metadata.get(key);
        if (cached.isPresent()) {
            return parse(cached.get());
        }
        String built = database.transaction(Caller.anon(), true, tx -> {
                    try (PreparedStatement s = tx.connection().prepareStatement(SUMMARY)) {
                        s.setInt(1, recordId);
                        try (ResultSet rs = s.executeQuery()) {
                            return Optional.ofNullable(rs.next() ? rs.getString(1) : null);
                        }
                    }
                })
                .orElseThrow(() -> Problem.notFound("no record has this id"));
        metadata.put(key, built);
        return parse(built);
    }

    private static JsonNode parse(String text) {
        try {
            return JSON.readTree(text);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static final String SUMMARY = """
            select jsonb_build_object(
                'id', r.id, 'title', r.title, 'artist', r.artist, 'label', r.label,
                'catalog_number', r.catalog_number, 'release_year', r.release_year, 'country', r.country,
                'genres', r.genres, 'styles', r.styles, 'format', r.format, 'thumbnail_url', r.thumbnail_url,
                'tracks', coalesce((
                    select jsonb_agg(jsonb_build_object('id', t.id, 'position', t.position, 'title', t.title,
                        'duration_seconds', t.duration_seconds,
                        'previews', coalesce((
                            select jsonb_agg(jsonb_build_object('platform', m.platform, 'url', m.url,
                                'embed_url', m.embed_url) order by m.confidence_score desc, m.id)
                            from rotation.audio_matches m where m.track_id = t.id), '[]'::jsonb))
                        order by t.track_index)
                    from rotation.tracks t where t.record_id = r.id), '[]'::jsonb),
                'listings', (select count(*) from rotation.store_inventory i
                             where i.record_id = r.id and i.status = 'active'),
                'stores', (select count(distinct i.store_id) from rotation.store_inventory i
                           where i.record_id = r.id and i.status = 'active'))::text
            from rotation.records r where r.id = ?""";
}
