package dev.atelier.apps.delula;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.atelier.platform.db.Caller;
import dev.atelier.platform.db.Database;
import dev.atelier.platform.http.Problem;
import dev.atelier.platform.ledger.Ledger;
import dev.atelier.platform.storage.ServerFiles;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.HexFormat;
import java.util.Optional;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.stereotype.Service;

/**
 * Delula's generations as its users see them: starting one from a recipe (credits held, the row
 * stored and its job enqueued in one transaction, or served at once from the recipe's backlog),
 * reading it, and sharing it by short id. The job that makes it is {@link GenerationJob}.
 */
@Service
class DelulaGenerations {

    static final String BUCKET = "assets";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final ObjectMapper CANONICAL =
            new ObjectMapper().configure(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS, true);
    private static final Pattern KEY = Pattern.compile("^[\\x21-\\x7e]{1,255}$");
    private static final Pattern SHORT_ID = Pattern.compile("^[A-Za-z0-9_-]{11}$");
    private static final String AUTHENTICATED_PREFIX = "/storage/v1/object/authenticated/" + BUCKET + "/";

    private final Database database;
    private final ServerFiles files;
    private final Clock clock;
    private final Duration holdTtl;
    private final Duration linkTtl;

    DelulaGenerations(
            Database database,
            ServerFiles files,
            Clock clock,
            @Value("${ATELIER_DELULA_HOLD_SECONDS:${atelier.delula.generation.hold-seconds:86400}}") long holdSeconds,
            @Value("${ATELIER_DELULA_LINK_SECONDS:${atelier.delula.generation.link-seconds:3600}}") long linkSeconds) {
        this.database = database;
        this.files = files;
        this.clock = clock;
        this.holdTtl = Duration.ofSeconds(holdSeconds);
        this.linkTtl = Duration.ofSeconds(linkSeconds);
    }

    /** What a POST came to: the generation, and whether it is an earlier request's (a replay). */
    record Started(ObjectNode generation, boolean replayed, boolean fromBacklog) {}

    /**
     * Starts a generation for the signed-in user. With an Idempotency-Key, the same key and body
     * give the generation the first request made (charged once); the same key with another body
     * is 409. Without a key every request is a new generation (as Stripe's API).
     */
    Started start(String userId, @Nullable String key, @Nullable JsonNode body) throws SQLException {
        JsonNode in = object(body);
        int recipeId = recipeId(in);
        JsonNode inputs = in.get("inputs");
        for (var names = in.fieldNames(); names.hasNext(); ) {
            String name = names.next();
            if (!name.equals("recipe_id") && !name.equals("inputs")) {
                throw Problem.badInput(
                        name, "unknown field " + abbreviate(name) + " (recipe_id and inputs are allowed)");
            }
        }
        if (key != null && !KEY.matcher(key).matches()) {
            throw Problem.badInput(
                    "Idempotency-Key", "the Idempotency-Key must be 1 to 255 printable characters without spaces");
        }
        String hash = requestHash(recipeId, inputs);
        if (key != null) {
            Optional<Started> earlier = earlier(userId, key, hash);
            if (earlier.isPresent()) {
                return earlier.get();
            }
        }
        try {
            return database.transaction(
                    Caller.serviceRole(), tx -> create(tx.connection(), userId, key, hash, recipeId, inputs));
        } catch (SQLException e) {
            if ("23505".equals(e.getSQLState()) && key != null) {
                // A concurrent request with the same key committed first: this one is its retry.
                Optional<Started> earlier = earlier(userId, key, hash);
                if (earlier.isPresent()) {
                    return earlier.get();
                }
            }
            if ("23514".equals(e.getSQLState())) {
                throw short_(userId, e);
            }
            if ("23503".equals(e.getSQLState())) {
                throw Problem.notFound("no Delula user for this account");
            }
            throw e;
        }
    }

    private Optional<Started> earlier(String userId, String key, String hash) throws SQLException {
        return database.transaction(Caller.serviceRole(), true, tx -> {
            try (PreparedStatement query = tx.connection()
                    .prepareStatement(
                            "select request_hash, short_id from delula.generations where user_id = ? and idempotency_key = ?")) {
                query.setString(1, userId);
                query.setString(2, key);
                try (ResultSet row = query.executeQuery()) {
                    if (!row.next()) {
                        return Optional.<Started>empty();
                    }
                    if (!hash.equals(row.getString(1))) {
                        throw Problem.conflict("this Idempotency-Key was already used for a different request");
                    }
                    ObjectNode view = view(tx.connection(), row.getString(2), userId, true);
                    return Optional.of(new Started(view == null ? JSON.createObjectNode() : view, true, false));
                }
            }
        });
    }

    private Started create(
            Connection c, String userId, @Nullable String key, String hash, int recipeId, @Nullable JsonNode rawInputs)
            throws SQLException {
        Recipe recipe = recipe(c, recipeId);
        RecipeInputs form = RecipeInputs.of(recipe.steps());
        ObjectNode inputs = form.check(rawInputs);
        String prompt = RecipeInputs.prompt(recipe.prompt(), inputs);
        if (prompt.isBlank()) {
            prompt = recipe.name();
        }
        ObjectNode parameters = JSON.createObjectNode();
        parameters.set("inputs", inputs);
        parameters.put("recipe", recipe.slug());
        Integer serviceId = serviceOf(c, recipe);

        Backlog backlog = claimBacklog(c, recipe.id());
        if (backlog != null) {
            // Served at once: stored completed, charged by the generation's own ledger row (a
            // spend, no hold), the video claimed for this generation only.
            String shortId;
            try (PreparedStatement insert = c.prepareStatement("""
                    insert into delula.generations (user_id, recipe_id, service_id, media_type, status, prompt, parameters,
                        video_url, thumbnail_url, s3_key, credits_cost, idempotency_key, request_hash, metadata)
                    values (?, ?, ?, 'video', 'completed', ?, ?::jsonb, ?, ?, ?, ?, ?, ?, ?::jsonb)
                    returning id, short_id""")) {
                insert.setString(1, userId);
                insert.setInt(2, recipe.id());
                setInteger(insert, 3, serviceId);
                insert.setString(4, backlog.prompt() == null ? prompt : backlog.prompt());
                insert.setString(5, parameters.toString());
                insert.setString(6, backlog.videoUrl());
                insert.setString(7, backlog.thumbnailUrl());
                insert.setString(8, backlog.s3Key());
                insert.setInt(9, recipe.creditCost());
                insert.setString(10, key);
                insert.setString(11, hash);
                insert.setString(
                        12,
                        JSON.createObjectNode()
                                .put("source", "backlog")
                                .put("backlog_video_id", backlog.id())
                                .toString());
                try (ResultSet row = insert.executeQuery()) {
                    row.next();
                    int id = row.getInt(1);
                    shortId = row.getString(2);
                    try (PreparedStatement claim = c.prepareStatement(
                            "update delula.backlog_videos set claimed_by = ?, claimed_at = now(), generation_id = ? where id = ?")) {
                        claim.setString(1, userId);
                        claim.setInt(2, id);
                        claim.setInt(3, backlog.id());
                        claim.executeUpdate();
                    }
                }
            }
            ObjectNode view = view(c, shortId, userId, true);
            return new Started(view == null ? JSON.createObjectNode() : view, false, true);
        }

        String shortId;
        try (PreparedStatement next = c.prepareStatement("select delula.generate_short_id()");
                ResultSet row = next.executeQuery()) {
            row.next();
            shortId = row.getString(1);
        }
        String holdId = null;
        if (recipe.creditCost() > 0) {
            ObjectNode request = JSON.createObjectNode()
                    .put("op", "hold")
                    .put("amount", recipe.creditCost())
                    .put("description", "Generation " + shortId + " (" + recipe.slug() + ")")
                    .put("ttl_seconds", holdTtl.toSeconds());
            JsonNode held = ledger(c, userId, "delula.generation:" + shortId + ":hold", request, clock.instant());
            int status = held.path("status").asInt(500);
            if (status == 402) {
                throw Problem.paymentRequired(held.path("detail").asText("insufficient credits")
                        + "; balance " + held.path("balance").asInt() + ", available "
                        + held.path("available").asInt() + ", this recipe costs " + recipe.creditCost());
            }
            if (status != 200) {
                throw new SQLException("the ledger answered " + held + " to a hold");
            }
            holdId = held.path("hold_id").asText();
        }
        try (PreparedStatement insert = c.prepareStatement("""
                insert into delula.generations (short_id, user_id, recipe_id, service_id, media_type, status, prompt,
                    parameters, credits_cost, hold_id, idempotency_key, request_hash)
                values (?, ?, ?, ?, ?, 'pending', ?, ?::jsonb, ?, ?::uuid, ?, ?)""")) {
            insert.setString(1, shortId);
            insert.setString(2, userId);
            insert.setInt(3, recipe.id());
            setInteger(insert, 4, serviceId);
            insert.setString(5, recipe.generationType());
            insert.setString(6, prompt);
            insert.setString(7, parameters.toString());
            insert.setInt(8, recipe.creditCost());
            insert.setString(9, holdId);
            insert.setString(10, key);
            insert.setString(11, hash);
            insert.executeUpdate();
        }
        ObjectNode view = view(c, shortId, userId, true);
        return new Started(view == null ? JSON.createObjectNode() : view, false, false);
    }

    record Recipe(
            int id,
            String slug,
            String name,
            @Nullable String prompt,
            JsonNode steps,
            String generationType,
            int creditCost) {}

    private static Recipe recipe(Connection c, int recipeId) throws SQLException {
        try (PreparedStatement query = c.prepareStatement("""
                select id, slug, name, prompt, recipe_steps::text, generation_type, credit_cost, is_active
                from delula.recipes where id = ?""")) {
            query.setInt(1, recipeId);
            try (ResultSet row = query.executeQuery()) {
                if (!row.next() || !row.getBoolean(8)) {
                    throw Problem.badInput("recipe_id", "there is no active recipe " + recipeId);
                }
                String type = row.getString(6);
                if (type == null || !(type.equals("image") || type.equals("video"))) {
                    throw Problem.badInput("recipe_id", "recipe " + recipeId + " makes neither images nor videos");
                }
                return new Recipe(
                        row.getInt(1),
                        row.getString(2),
                        row.getString(3),
                        row.getString(4),
                        parse(row.getString(5)),
                        type,
                        row.getInt(7));
            }
        }
    }

    /**
     * The service a recipe names in its steps ({@code {"service_id": n}} or
     * {@code {"service": "provider/service"}}), if it exists; an inactive one is still recorded
     * (the job then uses the local provider).
     */
    private static @Nullable Integer serviceOf(Connection c, Recipe recipe) throws SQLException {
        for (JsonNode step : recipe.steps()) {
            if (step.path("service_id").isIntegralNumber()) {
                try (PreparedStatement query = c.prepareStatement("select id from delula.services where id = ?")) {
                    query.setInt(1, step.path("service_id").asInt());
                    try (ResultSet row = query.executeQuery()) {
                        return row.next() ? row.getInt(1) : null;
                    }
                }
            }
            if (step.path("service").isTextual()
                    && step.path("service").asText().contains("/")) {
                String[] parts = step.path("service").asText().split("/", 2);
                try (PreparedStatement query = c.prepareStatement("""
                        select s.id from delula.services s join delula.providers p on p.id = s.provider_id
                        where p.name = ? and s.name = ?""")) {
                    query.setString(1, parts[0]);
                    query.setString(2, parts[1]);
                    try (ResultSet row = query.executeQuery()) {
                        return row.next() ? row.getInt(1) : null;
                    }
                }
            }
        }
        return null;
    }

    record Backlog(
            int id,
            String videoUrl,
            @Nullable String thumbnailUrl,
            @Nullable String s3Key,
            @Nullable String prompt) {}

    /** The recipe's oldest unclaimed backlog video, locked for this transaction; others skip it. */
    private static @Nullable Backlog claimBacklog(Connection c, int recipeId) throws SQLException {
        try (PreparedStatement query = c.prepareStatement("""
                select id, video_url, thumbnail_url, s3_key, prompt from delula.backlog_videos
                where recipe_id = ? and claimed_at is null
                order by created_at, id limit 1 for update skip locked""")) {
            query.setInt(1, recipeId);
            try (ResultSet row = query.executeQuery()) {
                if (!row.next()) {
                    return null;
                }
                return new Backlog(
                        row.getInt(1), row.getString(2), row.getString(3), row.getString(4), row.getString(5));
            }
        }
    }

    /** One ledger operation in the caller's transaction (service_role), so it commits with the rest. */
    static JsonNode ledger(Connection c, String userId, String key, ObjectNode request, Instant now)
            throws SQLException {
        return Ledger.execute(new Database.Transaction(c), DelulaCredits.APP, userId, key, request, now)
                .body();
    }

    private Problem short_(String userId, SQLException cause) throws SQLException {
        int balance = database.transaction(Caller.serviceRole(), true, tx -> {
            try (PreparedStatement query =
                    tx.connection().prepareStatement("select credits from delula.users where id = ?")) {
                query.setString(1, userId);
                try (ResultSet row = query.executeQuery()) {
                    return row.next() ? row.getInt(1) : 0;
                }
            }
        });
        return Problem.paymentRequired("insufficient credits: balance " + balance + " (" + firstLine(cause) + ")");
    }

    // ---------------------------------------------------------------------------------------------
    // Reading and sharing
    // ---------------------------------------------------------------------------------------------

    /**
     * The generation for this caller: its owner sees everything (read as the caller, so RLS
     * decides), anyone else only a shared one's public fields; otherwise 404.
     */
    ObjectNode read(Caller caller, String shortId) throws SQLException {
        checkShortId(shortId);
        if (caller.userId().isPresent()) {
            String userId = caller.userId().get().toString();
            Optional<ObjectNode> own = database.transaction(
                    caller, true, tx -> Optional.ofNullable(view(tx.connection(), shortId, userId, true)));
            if (own.isPresent()) {
                return own.get();
            }
        }
        return database.transaction(
                        Caller.serviceRole(), true, tx -> Optional.ofNullable(publicView(tx.connection(), shortId)))
                .orElseThrow(() -> Problem.notFound("no generation " + shortId));
    }

    ObjectNode share(Caller caller, String shortId, @Nullable JsonNode body) throws SQLException {
        String userId = caller.userId().orElseThrow(Problem::signInRequired).toString();
        checkShortId(shortId);
        JsonNode in = object(body);
        JsonNode flag = in.get("public");
        if (flag == null || !flag.isBoolean()) {
            throw Problem.badInput("public", "public must be true or false");
        }
        // The caller's own read decides ownership (RLS); the flag is then written by the server.
        Optional<ObjectNode> own = database.transaction(
                caller, true, tx -> Optional.ofNullable(view(tx.connection(), shortId, userId, true)));
        if (own.isEmpty()) {
            throw Problem.notFound("no generation " + shortId);
        }
        return database.transaction(Caller.serviceRole(), tx -> {
            try (PreparedStatement update = tx.connection().prepareStatement("""
                    update delula.generations
                    set is_public = ?, shared_at = case when ? then coalesce(shared_at, now()) else null end
                    where short_id = ? and user_id = ?""")) {
                update.setBoolean(1, flag.booleanValue());
                update.setBoolean(2, flag.booleanValue());
                update.setString(3, shortId);
                update.setString(4, userId);
                update.executeUpdate();
            }
            ObjectNode view = view(tx.connection(), shortId, userId, true);
            return view == null ? JSON.createObjectNode() : view;
        });
    }

    private static final String COLUMNS = """
            select g.short_id, g.status, g.media_type, g.recipe_id, g.prompt, g.parameters::text, g.credits_cost,
                   g.image_url, g.video_url, g.thumbnail_url, g.error_message, g.created_at, g.processing_started_at,
                   g.completed_at, g.refunded_at, g.is_public, g.metadata::text, g.user_id, r.slug, r.name
            from delula.generations g left join delula.recipes r on r.id = g.recipe_id
            """;

    /** The owner's view, or null when this connection's role sees no such generation of this user. */
    @Nullable
    ObjectNode view(Connection c, String shortId, String userId, boolean owner) throws SQLException {
        try (PreparedStatement query = c.prepareStatement(COLUMNS + " where g.short_id = ? and g.user_id = ?")) {
            query.setString(1, shortId);
            query.setString(2, userId);
            try (ResultSet row = query.executeQuery()) {
                if (!row.next()) {
                    return null;
                }
                return json(row, owner);
            }
        }
    }

    private @Nullable ObjectNode publicView(Connection c, String shortId) throws SQLException {
        try (PreparedStatement query = c.prepareStatement(COLUMNS + " where g.short_id = ? and g.is_public")) {
            query.setString(1, shortId);
            try (ResultSet row = query.executeQuery()) {
                if (!row.next()) {
                    return null;
                }
                return json(row, false);
            }
        }
    }

    private ObjectNode json(ResultSet row, boolean owner) throws SQLException {
        String shortId = row.getString(1);
        String status = row.getString(2);
        ObjectNode out = JSON.createObjectNode();
        out.put("short_id", shortId).put("status", status).put("media_type", row.getString(3));
        ObjectNode recipe = out.putObject("recipe");
        int recipeId = row.getInt(4);
        if (row.wasNull()) {
            out.putNull("recipe");
        } else {
            recipe.put("id", recipeId).put("slug", row.getString(19)).put("name", row.getString(20));
        }
        JsonNode metadata = parse(row.getString(17));
        boolean completed = status.equals("completed");
        if (owner) {
            out.put("prompt", row.getString(5));
            out.set("inputs", parse(row.getString(6)).path("inputs"));
            out.put("credits_cost", row.getInt(7));
            JsonNode job = metadata.path("job");
            out.put("progress", completed ? 100 : job.path("progress").asDouble(0));
            if (job.hasNonNull("message")) {
                out.put("progress_message", job.path("message").asText());
            }
            if (job.has("attempt")) {
                out.put("attempt", job.path("attempt").asInt());
            }
            out.put("error", status.equals("failed") ? row.getString(11) : null);
            out.put("refunded_at", iso(row.getObject(15, OffsetDateTime.class)));
            out.put("is_public", row.getBoolean(16));
            out.put("processing_started_at", iso(row.getObject(13, OffsetDateTime.class)));
        }
        out.put("created_at", iso(row.getObject(12, OffsetDateTime.class)));
        out.put("completed_at", iso(row.getObject(14, OffsetDateTime.class)));
        ObjectNode result = out.putObject("result");
        link(result, "image_url", row.getString(8), owner);
        link(result, "video_url", row.getString(9), owner);
        link(result, "thumbnail_url", row.getString(10), owner);
        if (metadata.path("source").asText("").equals("backlog")) {
            out.put("source", "backlog");
        }
        ObjectNode links = out.putObject("links");
        String self = "/api/v1/delula/generations/" + shortId;
        links.put("self", self);
        if (owner) {
            links.put("share", self + "/share");
            links.put("rest", "/rest/v1/generations?short_id=eq." + shortId);
        }
        return out;
    }

    /**
     * A result URL as the caller can open it: files of the private assets bucket get a signed URL
     * (for a browser's img or video element, no header needed) valid for the link lifetime; the
     * owner also gets the authenticated path (with their bearer token). Other URLs (a backlog
     * video on a CDN) are given as stored.
     */
    private void link(ObjectNode result, String field, @Nullable String stored, boolean owner) {
        if (stored == null) {
            result.putNull(field);
            return;
        }
        if (stored.startsWith(AUTHENTICATED_PREFIX)) {
            String name = stored.substring(AUTHENTICATED_PREFIX.length());
            result.put(field, files.signedUrl(BUCKET, name, linkTtl));
            if (owner) {
                result.put(field.replace("_url", "_path"), stored);
            }
        } else {
            result.put(field, stored);
        }
    }

    // ---------------------------------------------------------------------------------------------

    private static JsonNode object(@Nullable JsonNode body) {
        if (body == null || !body.isObject()) {
            throw Problem.badInput("body", "the body must be a JSON object");
        }
        return body;
    }

    private static int recipeId(JsonNode in) {
        JsonNode id = in.get("recipe_id");
        if (id == null || id.isNull()) {
            throw Problem.badInput("recipe_id", "recipe_id is required");
        }
        if (id.isIntegralNumber() && id.canConvertToInt() && id.asInt() > 0) {
            return id.asInt();
        }
        if (id.isTextual() && id.asText().matches("^[1-9][0-9]{0,8}$")) {
            return Integer.parseInt(id.asText());
        }
        throw Problem.badInput("recipe_id", "recipe_id must be a recipe's id (a positive integer)");
    }

    private static String requestHash(int recipeId, @Nullable JsonNode inputs) {
        try {
            Object canonical = CANONICAL.treeToValue(
                    inputs == null || inputs.isNull() ? JSON.createObjectNode() : inputs, Object.class);
            String text = recipeId + "\n" + CANONICAL.writeValueAsString(canonical);
            return HexFormat.of()
                    .formatHex(MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (JsonProcessingException | NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    static void checkShortId(String shortId) {
        if (!SHORT_ID.matcher(shortId).matches()) {
            throw Problem.notFound("no generation " + abbreviate(shortId));
        }
    }

    static JsonNode parse(@Nullable String json) throws SQLException {
        if (json == null) {
            return JSON.createObjectNode();
        }
        try {
            return JSON.readTree(json);
        } catch (JsonProcessingException e) {
            throw new SQLException("not JSON: " + e.getOriginalMessage(), e);
        }
    }

    private static void setInteger(PreparedStatement s, int index, @Nullable Integer value) throws SQLException {
        if (value == null) {
            s.setNull(index, Types.INTEGER);
        } else {
            s.setInt(index, value);
        }
    }

    private static @Nullable String iso(@Nullable OffsetDateTime t) {
        return t == null
                ? null
                : t.withOffsetSameInstant(ZoneOffset.UTC).toInstant().toString();
    }

    private static String firstLine(SQLException e) {
        String m = String.valueOf(e.getMessage());
        int nl = m.indexOf('\n');
        return nl < 0 ? m : m.substring(0, nl);
    }

    private static String abbreviate(String s) {
        return s.length() > 64 ? s.substring(0, 64) + "…" : s;
    }
}
