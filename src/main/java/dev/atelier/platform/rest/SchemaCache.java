package dev.atelier.platform.rest;

import dev.atelier.platform.db.Caller;
import dev.atelier.platform.db.Database;
import java.sql.SQLException;
import java.util.Arrays;
import java.util.List;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.context.event.EventListener;
import org.springframework.stereotype.Component;

/**
 * PostgREST's schema cache: what the Data API knows of the exposed schemas, loaded from pg_catalog
 * once and replaced whole by {@link #reload()} (after migrations, say). Requests read one snapshot
 * each, so a reload never shows a request half of two catalogs.
 */
@Component
public final class SchemaCache {

    private static final Logger log = LoggerFactory.getLogger(SchemaCache.class);

    private final Database database;
    private final List<String> schemas;
    private volatile @Nullable Catalog catalog;
    private volatile long lastLoadNanos;
    /** Per role, the columns it may read, for the snapshot {@link #grantsOf} was last asked about. */
    private final java.util.concurrent.ConcurrentHashMap<String, ColumnGrants> grants =
            new java.util.concurrent.ConcurrentHashMap<>();

    private volatile @Nullable Catalog grantsCatalog;

    /** A miss reloads at most this often, so requests for made-up names cannot keep the catalog busy. */
    private static final long MISS_RELOAD_INTERVAL_NANOS = 1_000_000_000L;

    /**
     * @param schemas {@code atelier.rest.schemas}, PostgREST's db-schemas: the exposed schemas, comma-separated,
     *                the first being the default profile. Only configuration names them (application.properties
     *                for the product); there is no default here, so no schema is exposed by accident.
     */
    SchemaCache(Database database, @Value("${atelier.rest.schemas}") String schemas) {
        this.database = database;
        this.schemas = Arrays.stream(schemas.split(","))
                .map(String::trim)
                .filter(s -> !s.isEmpty())
                .toList();
        if (this.schemas.isEmpty()) {
            throw new IllegalArgumentException("atelier.rest.schemas names no schema");
        }
    }

    /** The exposed schemas; the first is the default profile. */
    public List<String> schemas() {
        return schemas;
    }

    /** Reads the catalog again and swaps it in; requests already running keep the snapshot they have. */
    public void reload() {
        load();
    }

    private Catalog load() {
        try {
            Catalog fresh =
                    database.transaction(Caller.serviceRole(), tx -> CatalogLoader.load(tx.connection(), schemas));
            catalog = fresh;
            lastLoadNanos = System.nanoTime();
            return fresh;
        } catch (SQLException e) {
            throw new IllegalStateException("could not load the schema cache: " + e.getMessage(), e);
        }
    }

    @EventListener(ApplicationReadyEvent.class)
    void loadAtStartup() {
        try {
            reload();
        } catch (RuntimeException e) {
            // The first request tries again; until then requests get PGRST002.
            log.warn("schema cache not loaded at start-up: {}", e.getMessage());
        }
    }

    /**
     * After a request named a table or function the snapshot lacks: reloads (at most once a second)
     * in case a migration created it since, and returns the snapshot to look in again. Objects
     * created after start-up are thereby found without a restart or an explicit {@link #reload()}.
     */
    Catalog afterMiss(Catalog seen) {
        synchronized (this) {
            Catalog now = catalog;
            if (now == seen && System.nanoTime() - lastLoadNanos >= MISS_RELOAD_INTERVAL_NANOS) {
                try {
                    now = load();
                } catch (RuntimeException e) {
                    log.warn("schema cache reload after a miss failed: {}", e.getMessage());
                }
            }
            return now == null ? seen : now;
        }
    }

    /**
     * The columns {@code role} may SELECT in {@code seen}'s tables, loaded once per role and snapshot
     * (a reload of the catalog loads them again).
     */
    ColumnGrants grantsOf(Catalog seen, String role) throws SQLException {
        synchronized (grants) {
            if (grantsCatalog != seen) {
                grants.clear();
                grantsCatalog = seen;
            }
            ColumnGrants known = grants.get(role);
            if (known != null) {
                return known;
            }
        }
        ColumnGrants loaded =
                database.transaction(Caller.serviceRole(), true, tx -> ColumnGrants.load(tx.connection(), seen, role));
        synchronized (grants) {
            if (grantsCatalog == seen) {
                grants.putIfAbsent(role, loaded);
            }
        }
        return loaded;
    }

    /** The current snapshot, loading it first if start-up could not; PGRST002 (503) while the database is away. */
    Catalog current() {
        Catalog c = catalog;
        if (c != null) {
            return c;
        }
        synchronized (this) {
            Catalog now = catalog;
            if (now == null) {
                try {
                    now = load();
                } catch (RuntimeException e) {
                    log.warn("schema cache not loaded: {}", e.getMessage());
                    throw ErrorCode.PGRST002.error();
                }
            }
            return now;
        }
    }
}
