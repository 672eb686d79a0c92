package dev.atelier.apps.algorhythmic;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.atelier.platform.ai.AiCall;
import dev.atelier.platform.ai.AiException;
import dev.atelier.platform.ai.AiProviders;
import dev.atelier.platform.ai.ImagePrompt;
import dev.atelier.platform.ai.Media;
import dev.atelier.platform.ai.Thumbnails;
import dev.atelier.platform.db.Caller;
import dev.atelier.platform.db.Database;
import dev.atelier.platform.http.Problem;
import dev.atelier.platform.jobs.GiveUpNow;
import dev.atelier.platform.jobs.JobContext;
import dev.atelier.platform.jobs.JobEngine;
import dev.atelier.platform.jobs.JobType;
import dev.atelier.platform.jobs.RetryLater;
import dev.atelier.platform.ledger.Ledger;
import dev.atelier.platform.storage.ServerFiles;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.Array;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.HexFormat;
import java.util.List;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.stereotype.Service;

/**
 * Algorhythmic's art generation: a request holds the generation's credits and inserts a pending
 * {@code generation_jobs} row in one transaction (the row is the job, V72); the job renders the
 * art from its DNA vector through the configured provider, stores it under the bucket's public
 * generated path with a thumbnail, and in its completing transaction adds the artwork to the pool
 * ({@code art_sessions}) and captures the hold. A job that ends without success (failed, timed
 * out, cancelled) releases the hold in the transaction that ends it. Each of these transitions
 * happens once, so a generation is charged once or not at all.
 */
@Service
class ArtGenerations {

    static final String KIND = "algorhythmic.generation";
    static final String BUCKET = "art";
    private static final Logger log = LoggerFactory.getLogger(ArtGenerations.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern KEY = Pattern.compile("[\\x21-\\x7e]{1,200}");
    private static final int MAX_TEXT = 2000;
    private static final int MAX_AUDIO_FEATURES = 16 * 1024;
    private static final int HOLD_SECONDS = 24 * 3600;

    private final Database database;
    private final AiProviders providers;
    private final ServerFiles files;
    private final Clock clock;
    private final int cost;
    private final int longSide;
    private final Duration timeout;

    ArtGenerations(
            Database database,
            AiProviders providers,
            ServerFiles files,
            JobEngine jobs,
            Clock clock,
            @Value("${atelier.algorhythmic.generation.cost:1}") int cost,
            @Value("${atelier.algorhythmic.generation.size:1024}") int longSide,
            @Value("${atelier.algorhythmic.generation.timeout-ms:120000}") long timeoutMillis,
            @Value("${atelier.algorhythmic.generation.backoff-ms:2000}") long backoffMillis) {
        this.database = database;
        this.providers = providers;
        this.files = files;
        this.clock = clock;
        this.cost = cost;
        this.longSide = longSide;
        this.timeout = Duration.ofMillis(timeoutMillis);
        jobs.register(JobType.of(KIND, this::render)
                // The provider's own deadline comes first (an AiException TIMEOUT ends the attempt as
                // timed out); the engine's is the backstop for one that does not keep it.
                .withTimeout(timeout.plusSeconds(5))
                .withBackoff(Duration.ofMillis(backoffMillis), Duration.ofMinutes(2))
                .withGiveUpHook((tx, jobId, appKey, outcome) -> {
                    if (appKey != null) {
                        releaseHold(tx, appKey, outcome);
                    }
                }));
    }

    /** A new generation's request, checked field by field. */
    record Request(
            String sessionId,
            String prompt,
            List<Double> dna,
            @Nullable String audioFeatures,
            @Nullable String track,
            @Nullable String artist,
            @Nullable String genre,
            @Nullable String album,
            String orientation) {

        String fingerprint() {
            try {
                MessageDigest sha = MessageDigest.getInstance("SHA-256");
                for (Object part : List.of(
                        sessionId,
                        prompt,
                        dna,
                        "" + audioFeatures,
                        "" + track,
                        "" + artist,
                        "" + genre,
                        "" + album,
                        orientation)) {
                    sha.update(part.toString().getBytes(StandardCharsets.UTF_8));
                    sha.update((byte) 0);
                }
                return HexFormat.of().formatHex(sha.digest());
            } catch (NoSuchAlgorithmException e) {
                throw new IllegalStateException(e);
            }
        }
    }

    static Request parse(JsonNode body) {
        String sessionId = text(body, "session_id", 64);
        if (sessionId == null) {
            throw Problem.badInput("session_id", "session_id is required");
        }
        String track = text(body, "music_track", 500);
        String artist = text(body, "music_artist", 500);
        String genre = text(body, "music_genre", 200);
        String album = text(body, "music_album", 500);
        JsonNode audio = body.path("audio_features");
        String audioFeatures = null;
        if (!audio.isMissingNode() && !audio.isNull()) {
            if (!audio.isObject()) {
                throw Problem.badInput("audio_features", "audio_features must be a JSON object");
            }
            audioFeatures = audio.toString();
            if (audioFeatures.length() > MAX_AUDIO_FEATURES) {
                throw Problem.badInput("audio_features", "audio_features must be at most 16 KiB of JSON");
            }
        }
        String prompt = text(body, "prompt", MAX_TEXT);
        if (prompt == null || prompt.isBlank()) {
            prompt = "Evolving abstract art"
                    + (genre != null ? " in the mood of " + genre : "")
                    + (track != null ? " for \"" + track + "\"" : "")
                    + (artist != null ? " by " + artist : "");
        }
        String orientation = text(body, "orientation", 20);
        if (orientation == null) {
            orientation = "square";
        } else if (!List.of("portrait", "landscape", "square").contains(orientation)) {
            throw Problem.badInput("orientation", "orientation must be portrait, landscape or square");
        }
        JsonNode given = body.path("dna_vector");
        if (!given.isMissingNode() && !given.isNull() && !given.isArray()) {
            throw Problem.badInput("dna_vector", "dna_vector must be an array of " + ArtTraits.DNA_POINTS + " numbers");
        }
        List<Double> dna;
        try {
            dna = ArtTraits.dna(given, prompt + "\u0000" + audioFeatures);
        } catch (IllegalArgumentException e) {
            throw Problem.badInput("dna_vector", String.valueOf(e.getMessage()));
        }
        return new Request(sessionId, prompt, dna, audioFeatures, track, artist, genre, album, orientation);
    }

    private static @Nullable String text(JsonNode body, String field, int max) {
        JsonNode value = body.get(field);
        if (value == null || value.isNull()) {
            return null;
        }
        if (!value.isTextual()) {
            throw Problem.badInput(field, field + " must be a string");
        }
        if (value.textValue().length() > max) {
            throw Problem.badInput(field, field + " must be at most " + max + " characters");
        }
        return value.textValue();
    }

    /**
     * Starts a generation for {@code userId}, or answers the one this key already started
     * ({@code created} false). The hold and the row commit together or not at all.
     */
    record Started(boolean created, ObjectNode generation) {}

    Started start(Caller caller, String userId, @Nullable String key, Request request) throws SQLException {
        if (key == null || key.isEmpty()) {
            throw Problem.badInput("Idempotency-Key", "the Idempotency-Key header is required");
        }
        if (!KEY.matcher(key).matches()) {
            throw Problem.badInput(
                    "Idempotency-Key", "the Idempotency-Key must be 1 to 200 printable characters without spaces");
        }
        // The session must be the caller's own: checked as the caller, so RLS decides.
        boolean ownSession = database.transaction(caller, true, tx -> {
            try (PreparedStatement q = tx.connection()
                    .prepareStatement("select 1 from algorhythmic.sessions where id = ? and user_id = ?")) {
                q.setString(1, request.sessionId());
                q.setString(2, userId);
                try (ResultSet rs = q.executeQuery()) {
                    return rs.next();
                }
            }
        });
        if (!ownSession) {
            throw Problem.badInput("session_id", "no session of yours has this id");
        }
        String scopedKey = userId + ":" + key;
        String fingerprint = request.fingerprint();
        String id = database.transaction(Caller.serviceRole(), tx -> {
            String existing = existing(tx, scopedKey, fingerprint);
            if (existing != null) {
                return "=" + existing;
            }
            // A concurrent request with the same key may commit its row first: this one's hold then
            // goes back to here (a savepoint keeps the transaction's role and claims).
            java.sql.Savepoint beforeHold = tx.connection().setSavepoint();
            ObjectNode hold = Ledger.request("hold")
                    .put("amount", cost)
                    .put("ttl_seconds", HOLD_SECONDS)
                    .put("description", "Art generation");
            Ledger.Outcome held = Ledger.execute(
                    tx, AlgorhythmicCredits.APP, userId, "generation:" + key + ":hold", hold, clock.instant());
            if (held.status() == 402) {
                throw Problem.paymentRequired("a generation costs " + cost + " credit(s); available: "
                        + held.body().path("available").asInt(0));
            }
            if (!held.ok()) {
                throw Problem.conflict("the credit hold was refused: "
                        + held.body().path("error").asText("conflict"));
            }
            ObjectNode metadata = JSON.createObjectNode()
                    .put("fingerprint", fingerprint)
                    .put("hold_id", held.body().path("hold_id").asText())
                    .put("cost", cost)
                    .put("orientation", request.orientation())
                    .put("seed", ArtTraits.seed(scopedKey));
            ArrayNode dna = metadata.putArray("dna_vector");
            request.dna().forEach(dna::add);
            metadata.put("audio_features", request.audioFeatures());
            metadata.put("music_track", request.track());
            metadata.put("music_artist", request.artist());
            metadata.put("music_genre", request.genre());
            metadata.put("music_album", request.album());
            try (PreparedStatement insert = tx.connection().prepareStatement("""
                    insert into algorhythmic.generation_jobs (user_id, session_id, prompt, status, idempotency_key, metadata)
                    values (?, ?, ?, 'pending', ?, ?)
                    on conflict (idempotency_key) do nothing
                    returning id""")) {
                insert.setString(1, userId);
                insert.setString(2, request.sessionId());
                insert.setString(3, request.prompt());
                insert.setString(4, scopedKey);
                insert.setString(5, metadata.toString());
                try (ResultSet rs = insert.executeQuery()) {
                    if (rs.next()) {
                        return rs.getString(1);
                    }
                }
            }
            // A concurrent request with this key committed first: answer with its generation.
            tx.connection().rollback(beforeHold);
            String theirs = existing(tx, scopedKey, fingerprint);
            if (theirs == null) {
                throw Problem.conflict("a request with this Idempotency-Key is under way; try again");
            }
            return "=" + theirs;
        });
        boolean created = !id.startsWith("=");
        return new Started(created, status(caller, userId, created ? id : id.substring(1)));
    }

    private static @Nullable String existing(Database.Transaction tx, String scopedKey, String fingerprint)
            throws SQLException {
        try (PreparedStatement q = tx.connection()
                .prepareStatement("select id, metadata from algorhythmic.generation_jobs where idempotency_key = ?")) {
            q.setString(1, scopedKey);
            try (ResultSet rs = q.executeQuery()) {
                if (!rs.next()) {
                    return null;
                }
                if (!fingerprint.equals(
                        metadata(rs.getString(2)).path("fingerprint").asText())) {
                    throw Problem.conflict("this Idempotency-Key was used for a different generation request");
                }
                return rs.getString(1);
            }
        }
    }

    /** One generation as its owner sees it (RLS as the caller), with the job's progress. */
    ObjectNode status(Caller caller, String userId, String id) throws SQLException {
        ObjectNode out = database.transaction(caller, true, tx -> {
            try (PreparedStatement q = tx.connection().prepareStatement("""
                    select g.id, g.session_id, g.prompt, g.status, g.retry_count, g.error_message, g.created_at,
                           g.started_at, g.completed_at, g.metadata
                    from algorhythmic.generation_jobs g where g.id = ? and g.user_id = ?""")) {
                q.setString(1, id);
                q.setString(2, userId);
                try (ResultSet rs = q.executeQuery()) {
                    if (!rs.next()) {
                        throw Problem.notFound("no generation of yours has this id");
                    }
                    JsonNode metadata = metadata(rs.getString(10));
                    ObjectNode g = JSON.createObjectNode()
                            .put("id", rs.getString(1))
                            .put("session_id", rs.getString(2))
                            .put("prompt", rs.getString(3))
                            .put("status", rs.getString(4))
                            .put("retry_count", rs.getInt(5))
                            .put("error_message", rs.getString(6))
                            .put("created_at", iso(rs.getObject(7, OffsetDateTime.class)))
                            .put("started_at", iso(rs.getObject(8, OffsetDateTime.class)))
                            .put("completed_at", iso(rs.getObject(9, OffsetDateTime.class)))
                            .put("cost", metadata.path("cost").asInt())
                            .put("artwork_id", metadata.path("artwork_id").asText(null));
                    return g;
                }
            }
        });
        String artworkId = out.path("artwork_id").asText(null);
        if (artworkId != null) {
            out.set("artwork", artwork(caller, artworkId));
        }
        out.put("progress", progress(id));
        return out;
    }

    private ObjectNode artwork(Caller caller, String artworkId) throws SQLException {
        return database.transaction(caller, true, tx -> {
            try (PreparedStatement q = tx.connection().prepareStatement("""
                    select id, image_url, width, height, orientation, aspect_ratio, styles, motifs, quality_score,
                           perceptual_hash, metadata
                    from algorhythmic.art_sessions where id = ?""")) {
                q.setString(1, artworkId);
                try (ResultSet rs = q.executeQuery()) {
                    ObjectNode a = JSON.createObjectNode();
                    if (!rs.next()) {
                        return a.put("id", artworkId).put("deleted", true);
                    }
                    a.put("id", rs.getString(1))
                            .put("image_url", rs.getString(2))
                            .put(
                                    "thumbnail_url",
                                    metadata(rs.getString(11))
                                            .path("thumbnail_url")
                                            .asText(null))
                            .put("width", rs.getInt(3))
                            .put("height", rs.getInt(4))
                            .put("orientation", rs.getString(5))
                            .put("aspect_ratio", rs.getString(6));
                    a.set("styles", JSON.valueToTree(rs.getArray(7).getArray()));
                    a.set("motifs", JSON.valueToTree(rs.getArray(8).getArray()));
                    a.put("quality_score", rs.getInt(9)).put("perceptual_hash", rs.getString(10));
                    return a;
                }
            }
        });
    }

    /** The job's progress (0–100): only the platform reads its job table, the owner was checked above. */
    private double progress(String id) throws SQLException {
        return database.transaction(Caller.serviceRole(), true, tx -> {
            try (PreparedStatement q = tx.connection()
                    .prepareStatement(
                            "select progress from platform.jobs where app_table = 'algorhythmic.generation_jobs' and app_key = ?")) {
                q.setString(1, id);
                try (ResultSet rs = q.executeQuery()) {
                    return rs.next() ? rs.getDouble(1) : 100.0;
                }
            }
        });
    }

    // ---------------------------------------------------------------------------------------------
    // The job
    // ---------------------------------------------------------------------------------------------

    private record Pending(
            String id, String userId, @Nullable String sessionId, String prompt, JsonNode metadata) {}

    private void render(JobContext job) throws Exception {
        String id = java.util.Objects.requireNonNull(job.appKey(), "an art generation job names its row");
        java.util.Optional<Pending> found = database.transaction(Caller.serviceRole(), true, tx -> {
            try (PreparedStatement q = tx.connection()
                    .prepareStatement(
                            "select user_id, session_id, prompt, metadata from algorhythmic.generation_jobs where id = ?")) {
                q.setString(1, id);
                try (ResultSet rs = q.executeQuery()) {
                    if (!rs.next()) {
                        return java.util.Optional.<Pending>empty();
                    }
                    return java.util.Optional.of(new Pending(
                            id, rs.getString(1), rs.getString(2), rs.getString(3), metadata(rs.getString(4))));
                }
            }
        });
        if (found.isEmpty()) {
            throw new GiveUpNow("the generation row is gone");
        }
        Pending pending = found.get();
        JsonNode m = pending.metadata();
        List<Double> dna = ArtTraits.dna(m.path("dna_vector"), pending.prompt());
        String orientation = m.path("orientation").asText("square");
        int[] size = ArtTraits.size(orientation, longSide);
        job.progress(10, "rendering");
        Media image;
        try {
            image = providers
                    .forCall(new AiCall("algorhythmic", "art", KIND + ":" + id, timeout))
                    .image(
                            new AiCall("algorhythmic", "art", KIND + ":" + id, timeout),
                            new ImagePrompt(pending.prompt(), m.path("seed").asLong(), size[0], size[1], dna, null));
        } catch (AiException e) {
            throw switch (e.kind()) {
                case RATE_LIMITED ->
                    new RetryLater(
                            String.valueOf(e.getMessage()), e.retryAfter() == null ? Duration.ZERO : e.retryAfter(), e);
                case REJECTED, UNSUPPORTED -> new GiveUpNow(String.valueOf(e.getMessage()), e);
                case TIMEOUT -> new java.util.concurrent.TimeoutException(e.getMessage());
                default -> e;
            };
        }
        job.progress(70, "storing");
        ArtTraits.Measured measured = ArtTraits.measure(image.bytes());
        String name = "public/generated/" + pending.userId() + "/" + id + extension(image.contentType());
        ServerFiles.Stored stored = files.put(BUCKET, name, pending.userId(), image.bytes(), image.contentType());
        ServerFiles.Stored thumbnail = files.put(
                BUCKET,
                "public/thumbnails/" + pending.userId() + "/" + id + ".png",
                pending.userId(),
                thumbnail(image.bytes()),
                "image/png");
        job.progress(90, "adding to the pool");
        job.onComplete(tx -> complete(tx, pending, dna, image, measured, stored, thumbnail, orientation));
    }

    private static byte[] thumbnail(byte[] image) throws IOException {
        return Thumbnails.png(image, 256);
    }

    private static String extension(String contentType) {
        return switch (contentType) {
            case "image/jpeg" -> ".jpg";
            case "image/webp" -> ".webp";
            case "image/gif" -> ".gif";
            default -> ".png";
        };
    }

    private void complete(
            Database.Transaction tx,
            Pending pending,
            List<Double> dna,
            Media image,
            ArtTraits.Measured measured,
            ServerFiles.Stored stored,
            ServerFiles.Stored thumbnail,
            String orientation)
            throws SQLException {
        JsonNode m = pending.metadata();
        String artworkId;
        try (PreparedStatement insert = tx.connection().prepareStatement("""
                insert into algorhythmic.art_sessions
                    (session_id, user_id, image_url, prompt, dna_vector, audio_features, music_track, music_artist,
                     music_genre, music_album, generation_explanation, motifs, quality_score, perceptual_hash, styles,
                     orientation, aspect_ratio, width, height, metadata, pool_status)
                values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'active')
                returning id""")) {
            List<String> styles = ArtTraits.styles(dna);
            List<String> motifs = ArtTraits.motifs(dna);
            Array motifArray = tx.connection().createArrayOf("text", motifs.toArray());
            Array styleArray = tx.connection().createArrayOf("text", styles.toArray());
            ObjectNode artMetadata = JSON.createObjectNode()
                    .put("generation_id", pending.id())
                    .put("thumbnail_url", thumbnail.publicPath())
                    .put("provider", image.usage().provider())
                    .put("model", image.usage().model())
                    .put("render_ms", image.usage().millis());
            int i = 1;
            insert.setString(i++, pending.sessionId() == null ? "" : pending.sessionId());
            insert.setString(i++, pending.userId());
            insert.setString(i++, stored.publicPath());
            insert.setString(i++, pending.prompt());
            insert.setString(i++, JSON.valueToTree(dna).toString());
            insert.setString(
                    i++,
                    m.path("audio_features").isNull()
                            ? null
                            : m.path("audio_features").asText(null));
            insert.setString(i++, m.path("music_track").asText(null));
            insert.setString(i++, m.path("music_artist").asText(null));
            insert.setString(i++, m.path("music_genre").asText(null));
            insert.setString(i++, m.path("music_album").asText(null));
            insert.setString(
                    i++,
                    "Drawn from its DNA: " + String.join(" and ", styles) + " style, with " + String.join(", ", motifs)
                            + ".");
            insert.setArray(i++, motifArray);
            insert.setInt(i++, measured.qualityScore());
            insert.setString(i++, measured.perceptualHash());
            insert.setArray(i++, styleArray);
            insert.setString(i++, orientation);
            insert.setString(i++, ArtTraits.aspectRatio(image.width(), image.height()));
            insert.setInt(i++, image.width());
            insert.setInt(i++, image.height());
            insert.setString(i, artMetadata.toString());
            try (ResultSet rs = insert.executeQuery()) {
                rs.next();
                artworkId = rs.getString(1);
            }
        }
        ObjectNode capture =
                Ledger.request("capture").put("hold_id", m.path("hold_id").asText());
        Ledger.Outcome captured = Ledger.execute(
                tx,
                AlgorhythmicCredits.APP,
                pending.userId(),
                "generation:" + pending.id() + ":capture",
                capture,
                clock.instant());
        ObjectNode updated = ((ObjectNode) m.deepCopy())
                .put("artwork_id", artworkId)
                .put("image_url", stored.publicPath())
                .put("thumbnail_url", thumbnail.publicPath())
                .put("charged", captured.ok())
                .put("provider", image.usage().provider())
                .put("provider_ms", image.usage().millis());
        if (!captured.ok()) {
            // The hold expired before the art was done (a day): the art is the user's, uncharged.
            log.warn(
                    "generation {}: the hold could not be captured ({}); the art is not charged",
                    pending.id(),
                    captured.body().path("error").asText());
        }
        try (PreparedStatement update =
                tx.connection().prepareStatement("update algorhythmic.generation_jobs set metadata = ? where id = ?")) {
            update.setString(1, updated.toString());
            update.setString(2, pending.id());
            update.executeUpdate();
        }
    }

    /** Ends a generation that did not succeed: its hold goes back (once: this runs once per job). */
    private void releaseHold(Database.Transaction tx, String id, String outcome) throws SQLException {
        String userId;
        JsonNode m;
        try (PreparedStatement q = tx.connection()
                .prepareStatement("select user_id, metadata from algorhythmic.generation_jobs where id = ?")) {
            q.setString(1, id);
            try (ResultSet rs = q.executeQuery()) {
                if (!rs.next()) {
                    return;
                }
                userId = rs.getString(1);
                m = metadata(rs.getString(2));
            }
        }
        String holdId = m.path("hold_id").asText(null);
        if (holdId == null) {
            return;
        }
        Ledger.Outcome released = Ledger.execute(
                tx,
                AlgorhythmicCredits.APP,
                userId,
                "generation:" + id + ":release",
                Ledger.request("release").put("hold_id", holdId),
                clock.instant());
        if (!released.ok()) {
            log.warn(
                    "generation {} ended {}: its hold was not open any more ({})",
                    id,
                    outcome,
                    released.body().path("error").asText());
        }
    }

    private static JsonNode metadata(@Nullable String text) {
        if (text == null || text.isBlank()) {
            return JSON.createObjectNode();
        }
        try {
            JsonNode node = JSON.readTree(text);
            return node.isObject() ? node : JSON.createObjectNode();
        } catch (IOException e) {
            return JSON.createObjectNode();
        }
    }

    private static @Nullable String iso(@Nullable OffsetDateTime t) {
        return t == null ? null : t.toInstant().toString();
    }
}
