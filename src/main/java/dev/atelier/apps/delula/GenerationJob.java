package dev.atelier.apps.delula;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.atelier.platform.ai.AiCall;
import dev.atelier.platform.ai.AiException;
import dev.atelier.platform.ai.AiProvider;
import dev.atelier.platform.ai.ImagePrompt;
import dev.atelier.platform.ai.Media;
import dev.atelier.platform.ai.Thumbnails;
import dev.atelier.platform.ai.VideoPrompt;
import dev.atelier.platform.db.Caller;
import dev.atelier.platform.db.Database;
import dev.atelier.platform.jobs.GiveUpNow;
import dev.atelier.platform.jobs.JobContext;
import dev.atelier.platform.jobs.JobEngine;
import dev.atelier.platform.jobs.JobType;
import dev.atelier.platform.jobs.RetryLater;
import dev.atelier.platform.storage.ServerFiles;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.util.Locale;
import java.util.Optional;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.stereotype.Component;

/**
 * The job of kind {@code delula.generation} (a pending generations row is one, V72): the provider
 * makes the image or video, the server stores it in the user's {@code assets} folder (with a
 * thumbnail), and the completion links it, captures the credit hold and counts the recipe's use,
 * all in the transaction that completes the job. A job that ends without success captures the
 * hold and sets {@code refunded_at}, whose trigger writes the refund row: charged and refunded in
 * one transaction, once (the engine's give-up hook).
 */
@Component
class GenerationJob {

    static final String KIND = "delula.generation";
    private static final Logger log = LoggerFactory.getLogger(GenerationJob.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    static final int THUMBNAIL_SIDE = 256;

    private final Database database;
    private final ServerFiles files;
    private final DelulaProviders providers;
    private final Clock clock;

    GenerationJob(
            JobEngine engine,
            Database database,
            ServerFiles files,
            DelulaProviders providers,
            Clock clock,
            @Value("${ATELIER_DELULA_GENERATION_ATTEMPTS:${atelier.delula.generation.attempts:3}}") int attempts,
            @Value("${ATELIER_DELULA_GENERATION_BACKOFF_MS:${atelier.delula.generation.backoff-ms:1000}}")
                    long backoffMillis,
            @Value(
                            "${ATELIER_DELULA_GENERATION_JOB_TIMEOUT_SECONDS:${atelier.delula.generation.job-timeout-seconds:1800}}")
                    long jobTimeoutSeconds) {
        this.database = database;
        this.files = files;
        this.providers = providers;
        this.clock = clock;
        engine.register(JobType.of(KIND, this::run)
                .withMaxAttempts(attempts)
                .withBackoff(Duration.ofMillis(backoffMillis), Duration.ofMillis(Math.max(backoffMillis, 1) * 60))
                .withTimeout(Duration.ofSeconds(jobTimeoutSeconds))
                .withGiveUpHook(this::gaveUp));
    }

    record Work(
            int id,
            String shortId,
            String userId,
            String mediaType,
            String prompt,
            JsonNode parameters,
            @Nullable String recipeSlug,
            @Nullable Integer serviceId,
            @Nullable String holdId) {}

    void run(JobContext job) throws Exception {
        String key = job.appKey();
        if (key == null) {
            throw new GiveUpNow("a delula.generation job without its generation");
        }
        int id = Integer.parseInt(key);
        Work work = database.transaction(
                        Caller.serviceRole(), true, tx -> Optional.ofNullable(load(tx.connection(), id)))
                .orElseThrow(() -> new GiveUpNow("generation " + id + " is gone"));
        String target = work.recipeSlug() == null ? "generation" : work.recipeSlug();
        DelulaProviders.Choice choice = providers.choose(work.serviceId(), work.mediaType());
        AiCall call = new AiCall(DelulaCredits.APP, target, KIND + ":" + id, choice.timeout());
        AiProvider provider = providers.provider(call, choice);
        job.progress(10, "sent to " + provider.name());
        long seed = seed(work.shortId());
        String prompt = work.prompt().isBlank() ? "untitled" : work.prompt();
        Media media;
        try {
            if (work.mediaType().equals("video")) {
                media = provider.video(call, new VideoPrompt(prompt, seed, 256, 256, 12));
            } else {
                media = provider.image(call, ImagePrompt.of(prompt, seed, 512, 512));
            }
        } catch (AiException e) {
            throw switch (e.kind()) {
                case RATE_LIMITED ->
                    new RetryLater(
                            "provider rate limited: " + e.getMessage(),
                            e.retryAfter() == null ? Duration.ofSeconds(1) : e.retryAfter(),
                            e);
                case REJECTED, UNSUPPORTED -> new GiveUpNow("provider refused: " + e.getMessage(), e);
                default -> e;
            };
        }
        if (job.stopRequested()) {
            // Cancelled, timed out or rescued meanwhile: the outcome is decided, store nothing.
            throw new InterruptedException("generation " + work.shortId() + " was stopped");
        }
        job.progress(70, "storing the result");
        String base = work.userId() + "/generations/" + work.shortId();
        String name = base + "." + extension(media.contentType());
        files.put(DelulaGenerations.BUCKET, name, work.userId(), media.bytes(), media.contentType());
        String thumbnailName = null;
        try {
            byte[] thumbnail = Thumbnails.png(media.bytes(), THUMBNAIL_SIDE);
            thumbnailName = base + "-thumb.png";
            files.put(DelulaGenerations.BUCKET, thumbnailName, work.userId(), thumbnail, "image/png");
        } catch (IOException e) {
            if (work.mediaType().equals("image")) {
                throw e;
            }
            // A video format ImageIO cannot read has no thumbnail; the video itself is stored.
        }
        job.progress(90, "stored");
        String mediaPath = "/storage/v1/object/authenticated/" + DelulaGenerations.BUCKET + "/" + name;
        String thumbnailPath = thumbnailName == null
                ? null
                : "/storage/v1/object/authenticated/" + DelulaGenerations.BUCKET + "/" + thumbnailName;
        ObjectNode result = JSON.createObjectNode()
                .put("provider", provider.name())
                .put("model", media.usage().model())
                .put("content_type", media.contentType())
                .put("width", media.width())
                .put("height", media.height())
                .put("bytes", media.bytes().length)
                .put("provider_millis", media.usage().millis());
        String thumbnailKey = thumbnailName;
        job.onComplete(tx -> complete(tx.connection(), work, name, mediaPath, thumbnailKey, thumbnailPath, result));
    }

    private void complete(
            Connection c,
            Work work,
            String name,
            String mediaPath,
            @Nullable String thumbnailName,
            @Nullable String thumbnailPath,
            ObjectNode result)
            throws SQLException {
        try (PreparedStatement update = c.prepareStatement("""
                update delula.generations
                set image_url = case when media_type = 'image' then ? else image_url end,
                    video_url = case when media_type = 'video' then ? else video_url end,
                    thumbnail_url = ?, s3_key = ?, metadata = metadata || jsonb_build_object('result', ?::jsonb)
                where id = ?""")) {
            update.setString(1, mediaPath);
            update.setString(2, mediaPath);
            update.setString(3, thumbnailPath);
            update.setString(4, DelulaGenerations.BUCKET + "/" + name);
            update.setString(5, result.toString());
            update.setInt(6, work.id());
            update.executeUpdate();
        }
        try (PreparedStatement assets = c.prepareStatement("""
                update delula.user_assets set source = 'generation', generation_id = ?
                where s3_key in (?, ?) and user_id = ? and not is_deleted""")) {
            assets.setInt(1, work.id());
            assets.setString(2, DelulaGenerations.BUCKET + "/" + name);
            assets.setString(3, thumbnailName == null ? "" : DelulaGenerations.BUCKET + "/" + thumbnailName);
            assets.setString(4, work.userId());
            assets.executeUpdate();
        }
        if (work.holdId() != null) {
            capture(c, work);
        }
    }

    /**
     * Captures the hold: the user's one {@code generation} ledger row. Should the hold have
     * expired (a queue longer than its lifetime), the cost is spent instead, under a key of its
     * own, once; a user who meanwhile spent those credits gets the result unpaid (recorded on the
     * generation) rather than losing it.
     */
    private void capture(Connection c, Work work) throws SQLException {
        java.time.Instant now = clock.instant();
        JsonNode captured = DelulaGenerations.ledger(
                c,
                work.userId(),
                KIND + ":" + work.shortId() + ":capture",
                JSON.createObjectNode().put("op", "capture").put("hold_id", work.holdId()),
                now);
        if (captured.path("status").asInt() == 200) {
            return;
        }
        log.warn("generation {}: the hold could not be captured ({}); charging instead", work.shortId(), captured);
        int cost;
        try (PreparedStatement query = c.prepareStatement("select credits_cost from delula.generations where id = ?")) {
            query.setInt(1, work.id());
            try (ResultSet row = query.executeQuery()) {
                row.next();
                cost = row.getInt(1);
            }
        }
        JsonNode spent = DelulaGenerations.ledger(
                c,
                work.userId(),
                KIND + ":" + work.shortId() + ":charge",
                JSON.createObjectNode()
                        .put("op", "spend")
                        .put("amount", cost)
                        .put("description", "Generation " + work.shortId()),
                now);
        String billing = spent.path("status").asInt() == 200 ? "charged after the hold expired" : "unpaid";
        try (PreparedStatement update = c.prepareStatement(
                "update delula.generations set metadata = metadata || jsonb_build_object('billing', ?::text) where id = ?")) {
            update.setString(1, billing);
            update.setInt(2, work.id());
            update.executeUpdate();
        }
    }

    /**
     * The job ended without success (failed, timed out, cancelled): the hold is captured and the
     * generation marked refunded, in the transaction that fails it, and the table's trigger (V78)
     * writes the refund row of whatever was charged (the capture, or the charge of a generation
     * stored without a hold). The engine runs this once per job; the ledger keys and the refund
     * row's key make a repeat a no-op anyway.
     */
    void gaveUp(Database.Transaction tx, long jobId, @Nullable String appKey, String outcome) throws SQLException {
        if (appKey == null) {
            return;
        }
        Connection c = tx.connection();
        int id = Integer.parseInt(appKey);
        Work work = load(c, id);
        if (work == null) {
            return;
        }
        if (work.holdId() != null) {
            // The document's flow: the generation's cost is charged, then refunded. Both rows
            // commit in this one transaction, so the balance never shows the charge alone; the
            // refund row is the table's trigger's, when refunded_at is set below (V78).
            JsonNode captured = DelulaGenerations.ledger(
                    c,
                    work.userId(),
                    KIND + ":" + work.shortId() + ":capture",
                    JSON.createObjectNode().put("op", "capture").put("hold_id", work.holdId()),
                    clock.instant());
            if (captured.path("status").asInt() != 200) {
                // An expired hold charged nothing, so there is nothing to give back.
                log.warn(
                        "generation {}: its hold was not open any more ({}): nothing to refund",
                        work.shortId(),
                        captured);
            }
        }
        try (PreparedStatement refund = c.prepareStatement(
                "update delula.generations set refunded_at = now() where id = ? and refunded_at is null and status = 'failed'")) {
            refund.setInt(1, id);
            refund.executeUpdate();
        }
        // What an earlier attempt stored of a result that never completed leaves the library.
        try (PreparedStatement hide = c.prepareStatement("""
                update delula.user_assets set is_deleted = true, deleted_at = now(), generation_id = ?
                where user_id = ? and not is_deleted and s3_key like ?""")) {
            hide.setInt(1, id);
            hide.setString(2, work.userId());
            hide.setString(3, DelulaGenerations.BUCKET + "/" + work.userId() + "/generations/" + work.shortId() + "%");
            hide.executeUpdate();
        }
        log.info("generation {} ended {} (job {}): credits given back", work.shortId(), outcome, jobId);
    }

    private static @Nullable Work load(Connection c, int id) throws SQLException {
        try (PreparedStatement query = c.prepareStatement("""
                select g.id, g.short_id, g.user_id, g.media_type, coalesce(g.prompt, ''), g.parameters::text, r.slug,
                       g.service_id, g.hold_id::text
                from delula.generations g left join delula.recipes r on r.id = g.recipe_id
                where g.id = ?""")) {
            query.setInt(1, id);
            try (ResultSet row = query.executeQuery()) {
                if (!row.next()) {
                    return null;
                }
                int service = row.getInt(8);
                Integer serviceId = row.wasNull() ? null : service;
                return new Work(
                        row.getInt(1),
                        row.getString(2),
                        row.getString(3),
                        row.getString(4),
                        row.getString(5),
                        DelulaGenerations.parse(row.getString(6)),
                        row.getString(7),
                        serviceId,
                        row.getString(9));
            }
        }
    }

    /** The same generation gets the same seed, so a retried attempt makes the same picture. */
    private static long seed(String shortId) {
        long h = 1125899906842597L;
        for (byte b : shortId.getBytes(StandardCharsets.UTF_8)) {
            h = 31 * h + b;
        }
        return h;
    }

    private static String extension(String contentType) {
        String type = contentType.toLowerCase(Locale.ROOT);
        if (type.contains("png")) {
            return "png";
        }
        if (type.contains("gif")) {
            return "gif";
        }
        if (type.contains("jpeg") || type.contains("jpg")) {
            return "jpg";
        }
        if (type.contains("webp")) {
            return "webp";
        }
        if (type.contains("mp4")) {
            return "mp4";
        }
        if (type.contains("webm")) {
            return "webm";
        }
        return "bin";
    }
}
