package dev.atelier.platform.settings;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.atelier.platform.crypto.Keyring;
import dev.atelier.platform.db.Caller;
import dev.atelier.platform.db.Database;
import dev.atelier.platform.jobs.JobEngine;
import dev.atelier.platform.notify.ChangeListener;
import java.io.IOException;
import java.sql.Array;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;

/**
 * The server's settings, configuration profile and maintenance windows: one snapshot of
 * {@code rotation.settings}, the configuration profile that applies to this server, and the
 * maintenance windows not yet over, read as the service role and held in memory. It is reloaded
 * when a change is notified on channel {@code atelier_settings} (V95, within a second on every
 * server), after every write this server makes through the endpoints, and every {@link #POLL}.
 *
 * <p>The profile that applies: the one named by {@code atelier.settings.profile} when set, else
 * the active profile of the environment {@code atelier.settings.environment} (default
 * {@code production}). A value is, in order: the profile's override (when it is valid for the
 * setting's type and rules), the setting's value, its default value.
 */
public final class SettingsService implements AutoCloseable, SmartLifecycle {

    /** The AAD of a setting's sealed value, as V20's comment fixes it. */
    public static String sealContext(String key) {
        return "rotation.settings.value_encrypted:" + key;
    }

    /** One row of rotation.settings. {@code sealed} is set for encrypted settings only. */
    public record Setting(
            int id,
            String key,
            SettingType type,
            String category,
            @Nullable String description,
            boolean isPublic,
            boolean isEncrypted,
            @Nullable String value,
            Keyring.@Nullable Sealed sealed,
            @Nullable String defaultValue,
            JsonNode rules,
            @Nullable Integer lastModifiedBy,
            Instant updatedAt) {}

    /** A configuration profile. */
    public record Profile(int id, String name, String environment, boolean active, JsonNode configData) {}

    /** A value as it applies, and where it came from: "profile", "value" or "default". */
    public record Effective(JsonNode value, String source) {}

    /** Everything one reload reads; replaced as a whole. */
    public record Snapshot(
            Map<String, Setting> settings,
            @Nullable Profile profile,
            List<MaintenanceWindow> windows,
            Instant loadedAt) {}

    static final Duration POLL = Duration.ofSeconds(30);
    static final Duration TICK = Duration.ofSeconds(5);
    private static final Logger log = LoggerFactory.getLogger(SettingsService.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Database database;
    private final Keyring keyring;
    private final Clock clock;
    private final @Nullable String profileName;
    private final String environment;
    private final ChangeListener changes;
    private final Object reloadLock = new Object();
    private volatile Snapshot snapshot;

    public SettingsService(
            Database database,
            Keyring keyring,
            Clock clock,
            JobEngine.@Nullable Listener listener,
            @Nullable String profileName,
            String environment) {
        this.database = database;
        this.keyring = keyring;
        this.clock = clock;
        this.profileName = profileName == null || profileName.isBlank() ? null : profileName.trim();
        this.environment = environment;
        this.changes = new ChangeListener("atelier_settings", listener, this::reload, POLL, TICK, null);
        this.snapshot = new Snapshot(Map.of(), null, List.of(), clock.instant());
    }

    private volatile boolean running;

    /** Loads the snapshot and starts listening and polling (with the application). */
    @Override
    public void start() {
        running = true;
        try {
            reload();
        } catch (SQLException | RuntimeException e) {
            log.warn("settings not loaded at start ({}); retrying in the background", e.getMessage());
        }
        changes.start();
    }

    @Override
    public void stop() {
        close();
    }

    @Override
    public boolean isRunning() {
        return running;
    }

    @Override
    public void close() {
        running = false;
        changes.close();
    }

    /** Whether this server hears changes now. */
    public boolean isListening() {
        return changes.isSubscribed();
    }

    public Snapshot snapshot() {
        return snapshot;
    }

    /** The environment whose active profile applies when no profile is named. */
    public String environment() {
        return environment;
    }

    /** The profile named by configuration, or null when the environment's active one applies. */
    public @Nullable String configuredProfile() {
        return profileName;
    }

    // ------------------------------------------------------------------------------------------
    // Typed reads, for the server's own code (encrypted values in clear)
    // ------------------------------------------------------------------------------------------

    /** A setting's value as it applies, or empty when the setting is unknown or has no value. */
    public Optional<Effective> effective(String key) {
        Snapshot s = snapshot;
        Setting setting = s.settings().get(key);
        if (setting == null) {
            return Optional.empty();
        }
        return Optional.ofNullable(effective(s, setting, true));
    }

    public Optional<JsonNode> value(String key) {
        return effective(key).map(Effective::value);
    }

    public String string(String key, String fallback) {
        return value(key).filter(JsonNode::isTextual).map(JsonNode::textValue).orElse(fallback);
    }

    public double number(String key, double fallback) {
        return value(key).filter(JsonNode::isNumber).map(JsonNode::doubleValue).orElse(fallback);
    }

    public long integer(String key, long fallback) {
        return value(key).filter(JsonNode::isNumber).map(JsonNode::longValue).orElse(fallback);
    }

    public boolean bool(String key, boolean fallback) {
        return value(key)
                .filter(JsonNode::isBoolean)
                .map(JsonNode::booleanValue)
                .orElse(fallback);
    }

    /** A json or array setting's value (or any other's, as JSON). */
    public Optional<JsonNode> jsonValue(String key) {
        return value(key);
    }

    /**
     * The value of {@code setting} as it applies under {@code s}'s profile; an encrypted one is
     * opened only when {@code open} (else null: the caller masks it). Null when it has none.
     */
    public @Nullable Effective effective(Snapshot s, Setting setting, boolean open) {
        JsonNode override = override(s, setting.key(), setting.type(), setting.rules(), setting.isEncrypted());
        if (override != null) {
            return new Effective(override, "profile");
        }
        String stored = setting.value();
        if (setting.isEncrypted()) {
            Keyring.Sealed sealed = setting.sealed();
            if (!open || sealed == null) {
                return null;
            }
            try {
                stored = keyring.open(sealed, sealContext(setting.key()));
            } catch (IllegalStateException e) {
                log.warn("encrypted setting {} does not open: {}", setting.key(), e.getMessage());
                return null;
            }
        }
        if (stored != null) {
            JsonNode v = setting.type().read(stored);
            if (v != null) {
                return new Effective(v, "value");
            }
        }
        if (setting.defaultValue() != null) {
            JsonNode v = setting.type().read(setting.defaultValue());
            if (v != null) {
                return new Effective(v, "default");
            }
        }
        return null;
    }

    /**
     * The applying profile's override of a setting, or null: none, the setting is encrypted (a
     * profile's config_data is not sealed, so it cannot override a secret), or the override is
     * not of the setting's type or breaks its rules (then it is ignored and logged).
     */
    public @Nullable JsonNode override(Snapshot s, String key, SettingType type, JsonNode rules, boolean encrypted) {
        Profile p = s.profile();
        if (p == null || encrypted || !p.configData().has(key)) {
            return null;
        }
        JsonNode v = p.configData().get(key);
        try {
            type.store(v, "config_data." + key);
            SettingRules.check(rules, v, "config_data." + key);
            return v;
        } catch (RuntimeException e) {
            log.debug("profile {} override of {} ignored: {}", p.name(), key, e.getMessage());
            return null;
        }
    }

    /** Opens a setting's sealed value (its stored text); fails if it was not sealed for this key. */
    public String open(String key, Keyring.Sealed sealed) {
        return keyring.open(sealed, sealContext(key));
    }

    /** Seals a setting's stored text for its row. */
    public Keyring.Sealed seal(String key, String stored) {
        return keyring.seal(stored, sealContext(key));
    }

    // ------------------------------------------------------------------------------------------
    // Maintenance
    // ------------------------------------------------------------------------------------------

    /**
     * The maintenance window that makes a write with these service tags wait, or null: among
     * the windows active now that apply to one of the tags, the one that ends last. Memory only.
     */
    public @Nullable MaintenanceWindow blocking(Set<String> tags) {
        Instant now = clock.instant();
        MaintenanceWindow found = null;
        for (MaintenanceWindow w : snapshot.windows()) {
            if (w.activeAt(now)
                    && w.appliesTo(tags)
                    && (found == null || w.endsAt().isAfter(found.endsAt()))) {
                found = w;
            }
        }
        return found;
    }

    /** The windows active now or still to come, soonest first. */
    public List<MaintenanceWindow> currentAndUpcoming() {
        Instant now = clock.instant();
        return snapshot.windows().stream().filter(w -> w.endsAt().isAfter(now)).toList();
    }

    public Instant now() {
        return clock.instant();
    }

    // ------------------------------------------------------------------------------------------
    // Loading
    // ------------------------------------------------------------------------------------------

    /** Reads the three tables and replaces the snapshot. */
    public void reload() throws SQLException {
        synchronized (reloadLock) {
            snapshot = database.transaction(Caller.serviceRole(), true, tx -> load(tx.connection()));
        }
    }

    private Snapshot load(Connection c) throws SQLException {
        Map<String, Setting> settings = new LinkedHashMap<>();
        try (Statement s = c.createStatement();
                ResultSet rs = s.executeQuery(
                        "select id, key, value_type::text, category, description, is_public,"
                                + " is_encrypted, value, value_encrypted, encryption_key_id, default_value,"
                                + " validation_rules::text, last_modified_by, updated_at from rotation.settings order by key")) {
            while (rs.next()) {
                byte[] bytes = rs.getBytes(9);
                String keyId = rs.getString(10);
                int modifiedBy = rs.getInt(13);
                Integer lastModifiedBy = rs.wasNull() ? null : modifiedBy;
                settings.put(
                        rs.getString(2),
                        new Setting(
                                rs.getInt(1),
                                rs.getString(2),
                                SettingType.of(rs.getString(3), "value_type"),
                                rs.getString(4),
                                rs.getString(5),
                                rs.getBoolean(6),
                                rs.getBoolean(7),
                                rs.getString(8),
                                bytes != null && keyId != null ? new Keyring.Sealed(keyId, bytes) : null,
                                rs.getString(11),
                                json(rs.getString(12)),
                                lastModifiedBy,
                                rs.getObject(14, OffsetDateTime.class).toInstant()));
            }
        }
        Profile profile = null;
        try (var s = c.prepareStatement(
                profileName != null
                        ? "select id, name, environment, is_active, config_data::text from rotation.config_profiles"
                                + " where name = ?"
                        : "select id, name, environment, is_active, config_data::text from rotation.config_profiles"
                                + " where environment = ? and is_active")) {
            s.setString(1, profileName != null ? profileName : environment);
            try (ResultSet rs = s.executeQuery()) {
                if (rs.next()) {
                    profile = new Profile(
                            rs.getInt(1), rs.getString(2), rs.getString(3), rs.getBoolean(4), json(rs.getString(5)));
                }
            }
        }
        List<MaintenanceWindow> windows = new ArrayList<>();
        try (Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("select id, title, description, maintenance_type, affected_services,"
                        + " starts_at, ends_at, is_emergency, status, impact_level from rotation.maintenance_windows"
                        + " where ends_at > now() and status not in ('cancelled', 'completed')"
                        + " order by starts_at, id limit 1000")) {
            while (rs.next()) {
                Array services = rs.getArray(5);
                List<String> list = new ArrayList<>();
                for (Object o : (Object[]) services.getArray()) {
                    if (o != null) {
                        list.add(o.toString());
                    }
                }
                windows.add(new MaintenanceWindow(
                        rs.getInt(1),
                        rs.getString(2),
                        rs.getString(3),
                        rs.getString(4),
                        List.copyOf(list),
                        rs.getObject(6, OffsetDateTime.class).toInstant(),
                        rs.getObject(7, OffsetDateTime.class).toInstant(),
                        rs.getBoolean(8),
                        rs.getString(9),
                        rs.getString(10)));
            }
        }
        windows.sort(Comparator.comparing(MaintenanceWindow::startsAt));
        return new Snapshot(
                java.util.Collections.unmodifiableMap(settings), profile, List.copyOf(windows), clock.instant());
    }

    private static JsonNode json(@Nullable String text) {
        if (text == null) {
            return JSON.createObjectNode();
        }
        try {
            return JSON.readTree(text);
        } catch (IOException e) {
            throw new IllegalStateException("stored settings JSON does not parse", e);
        }
    }
}
