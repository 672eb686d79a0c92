package dev.atelier.platform.db;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.SQLNonTransientConnectionException;
import java.sql.SQLTransientConnectionException;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.BooleanSupplier;
import org.jooq.DSLContext;
import org.jooq.SQLDialect;
import org.jooq.conf.Settings;
import org.jooq.impl.DSL;
import org.jspecify.annotations.Nullable;

/**
 * The request pool. It logs in as the database's login role, which owns nothing and has no
 * BYPASSRLS, and every unit of work runs in one transaction that first switches to the caller's
 * role and publishes the caller's claims, so that grants and row-level security decide what the
 * work may see and change.
 *
 * <p>No one kind of caller can starve the others: each request role may hold only its share of
 * the pool ({@link RequestLimits}), and each runs under its own statement timeout, so anonymous
 * traffic that saturates its share leaves signed-in users their connections. Health checks use a
 * connection of their own.
 */
public final class Database implements AutoCloseable {

    /**
     * Sets role, claims, a statement timeout and read-only mode in one round trip; all
     * transaction-local. Going read-only is allowed at any point of a transaction.
     */
    private static final String BEGIN_AS = """
            select set_config('role', ?, true),
                   set_config('request.jwt.claims', ?, true),
                   set_config('request.jwt.claim.sub', ?, true),
                   set_config('request.jwt.claim.role', ?, true),
                   set_config('statement_timeout', ?, true),
                   set_config('transaction_read_only', ?, true)""";

    /** The most extra settings one transaction may make with its role. */
    private static final int MAX_SETTINGS = 8;

    /**
     * BEGIN_AS followed by n more {@code set_config(?, ?, true)}, for n up to {@link #MAX_SETTINGS},
     * answering only how many rows it made (one). pgjdbc waits for the results of a statement of a
     * multi-statement query whose result size it cannot bound (the settings' text) before it sends
     * the next one; a count it can bound, so a statement sent after the opening goes with it. The
     * volatile {@code set_config} calls are evaluated although their values are not used.
     */
    private static final String[] BEGIN_AS_WITH = new String[MAX_SETTINGS + 1];

    static {
        StringBuilder sql = new StringBuilder(BEGIN_AS);
        for (int n = 0; n <= MAX_SETTINGS; n++) {
            BEGIN_AS_WITH[n] = "select count(*) from (" + sql + ") as opening";
            sql.append(",\n       set_config(?, ?, true)");
        }
    }

    private static final long CONNECTION_TIMEOUT_MILLIS = 10_000;

    private final HikariDataSource pool;
    private final RequestLimits limits;
    private final Map<String, Semaphore> shares;
    private final BooleanSupplier serverUp;
    private final HealthProbe health;

    private Database(HikariDataSource pool, RequestLimits limits, BooleanSupplier serverUp, HealthProbe health) {
        this.pool = pool;
        this.limits = limits;
        this.shares = limits.newShares();
        this.serverUp = serverUp;
        this.health = health;
    }

    /**
     * Opens the request pool, each request role limited to its default share of it.
     *
     * @param loginRole the role the pool logs in as (see {@link LoginRole})
     * @param serverUp  false while the server is known to be down (an embedded one restarting):
     *                  requests are then refused at once instead of waiting for a connection
     */
    public static Database connect(DatabaseTarget target, String loginRole, String password, BooleanSupplier serverUp) {
        return connect(target, loginRole, password, RequestLimits.defaults(), serverUp);
    }

    /** As {@link #connect(DatabaseTarget, String, String, BooleanSupplier)}, with other shares of the pool. */
    static Database connect(
            DatabaseTarget target, String loginRole, String password, RequestLimits limits, BooleanSupplier serverUp) {
        HikariConfig config = new HikariConfig();
        config.setPoolName("atelier-requests");
        config.setJdbcUrl(target.jdbcUrl());
        config.setUsername(loginRole);
        config.setPassword(password);
        config.setMaximumPoolSize(limits.poolSize());
        config.setAutoCommit(false);
        config.setConnectionTimeout(CONNECTION_TIMEOUT_MILLIS);
        // Start even when the server is briefly unreachable: requests fail with 503 until it is back.
        config.setInitializationFailTimeout(-1);
        config.addDataSourceProperty("ApplicationName", "atelier");
        config.addDataSourceProperty("reWriteBatchedInserts", "true");
        // Strings go out untyped so PostgreSQL infers each parameter's type from where it is
        // used: a filter value "42" compares with an integer, a uuid or a timestamptz column alike.
        config.addDataSourceProperty("stringtype", "unspecified");
        HealthProbe health = new HealthProbe(target, loginRole, password);
        return new Database(new HikariDataSource(config), limits, serverUp, health);
    }

    /** One unit of work with the caller's role and claims; committed when it returns, rolled back when it throws. */
    public <T> T transaction(Caller caller, Work<T> work) throws SQLException {
        return transaction(caller, false, work);
    }

    /**
     * As {@link #transaction(Caller, Work)}; a read-only one refuses every write (SQLSTATE 25006),
     * also inside functions it calls, as PostgREST's GET requests do.
     */
    public <T> T transaction(Caller caller, boolean readOnly, Work<T> work) throws SQLException {
        return transaction(caller, readOnly, Map.of(), work);
    }

    /**
     * As {@link #transaction(Caller, boolean, Work)}, with more transaction-local settings made in the
     * same statement as the role and the claims (no extra round trip): the data API's
     * {@code request.method}, {@code request.path}, {@code request.headers} and {@code request.cookies}.
     *
     * @param settings custom settings only ({@code prefix.name}; not the claims, which are the caller's) and
     *                 {@code timezone}, in
     *                 the order they are to be made; at most {@value #MAX_SETTINGS}
     */
    public <T> T transaction(Caller caller, boolean readOnly, Map<String, String> settings, Work<T> work)
            throws SQLException {
        String begin = beginAs(settings);
        return withConnection(caller, connection -> {
            try (PreparedStatement statement = connection.prepareStatement(begin)) {
                bindOpening(statement, caller, readOnly, settings);
                statement.execute();
            }
            T result = work.run(new Transaction(connection));
            connection.commit();
            return result;
        });
    }

    /**
     * As {@link #transaction(Caller, boolean, Map, Work)}, with the work's first statement sent to
     * PostgreSQL with the role, the claims and the settings as one multi-statement query, and, for
     * a read-only transaction with {@code commitWithIt}, its COMMIT too, so no separate COMMIT is
     * sent. (pgjdbc syncs and waits before a statement that follows one whose result size it cannot
     * bound, so a statement returning text is an exchange of its own: a read is two, its BEGIN
     * and the opening, then the statement with its COMMIT.) The statement may hold several
     * statements separated by {@code ;}; {@code binder} binds its parameters from the index it is
     * given. The work receives the statement executed, positioned on its first result; with
     * {@code commitWithIt} the transaction has ended when the work runs, so it must not run
     * another statement.
     */
    public <T> T transaction(
            Caller caller,
            boolean readOnly,
            Map<String, String> settings,
            String firstStatement,
            Binder binder,
            boolean commitWithIt,
            FirstStatementWork<T> work)
            throws SQLException {
        if (commitWithIt && !readOnly) {
            // A write's work may still refuse what it changed (and roll back): it commits after.
            throw new IllegalArgumentException("only a read-only transaction commits with its first statement");
        }
        if (commitWithIt) {
            return readInOneQuery(caller, settings, firstStatement, binder, work);
        }
        String sql = beginAs(settings) + ";\n" + firstStatement;
        return withConnection(caller, connection -> {
            T result = runFirst(connection, sql, 1, caller, readOnly, settings, binder, work);
            connection.commit();
            return result;
        });
    }

    /**
     * Prepares {@code sql}, binds the opening's parameters and then the statement's, executes it,
     * moves past the results of the {@code leading} statements before the work's (BEGIN, the
     * opening) and hands the work the statement on its first result.
     */
    private <T> T runFirst(
            Connection connection,
            String sql,
            int leading,
            Caller caller,
            boolean readOnly,
            Map<String, String> settings,
            Binder binder,
            FirstStatementWork<T> work)
            throws SQLException {
        try (PreparedStatement statement = connection.prepareStatement(sql)) {
            binder.bind(statement, bindOpening(statement, caller, readOnly, settings));
            statement.execute();
            for (int i = 0; i < leading; i++) {
                statement.getMoreResults();
            }
            return work.run(new Transaction(connection), statement);
        }
    }

    /**
     * A read-only transaction as one query of its own BEGIN, the opening, the statement and COMMIT.
     * The connection is in autocommit mode meanwhile: pgjdbc would otherwise send a BEGIN of its
     * own first and wait for it. A failure rolls back with a ROLLBACK statement (autocommit mode has
     * no {@code rollback()}); the pool gets the connection back idle and out of autocommit mode.
     */
    private <T> T readInOneQuery(
            Caller caller,
            Map<String, String> settings,
            String firstStatement,
            Binder binder,
            FirstStatementWork<T> work)
            throws SQLException {
        String sql = "BEGIN;\n" + beginAs(settings) + ";\n" + firstStatement + ";\nCOMMIT";
        return withConnection(caller, connection -> {
            connection.setAutoCommit(true);
            try {
                return runFirst(connection, sql, 2, caller, true, settings, binder, work);
            } catch (SQLException | RuntimeException | Error e) {
                endQuietly(connection, e);
                throw e;
            } finally {
                connection.setAutoCommit(false);
            }
        });
    }

    /** Ends a transaction left open or failed by an explicit BEGIN, if one is. */
    private static void endQuietly(Connection connection, Throwable cause) {
        try {
            var state =
                    connection.unwrap(org.postgresql.core.BaseConnection.class).getTransactionState();
            if (state != org.postgresql.core.TransactionState.IDLE) {
                try (var rollback = connection.createStatement()) {
                    rollback.execute("ROLLBACK");
                }
            }
        } catch (SQLException failure) {
            cause.addSuppressed(failure);
        }
    }

    /** Binds a statement's parameters from index {@code first}. */
    @FunctionalInterface
    public interface Binder {
        void bind(PreparedStatement statement, int first) throws SQLException;
    }

    /** Work on the executed first statement of a transaction that began with it. */
    @FunctionalInterface
    public interface FirstStatementWork<T> {
        T run(Transaction tx, PreparedStatement executed) throws SQLException;
    }

    /** A connection of the caller's share of the pool, rolled back when the work throws. */
    private <T> T withConnection(Caller caller, ConnectionWork<T> work) throws SQLException {
        if (!serverUp.getAsBoolean()) {
            throw new SQLNonTransientConnectionException("the database is restarting", "08006");
        }
        Semaphore share = shares.get(caller.role());
        if (share == null) { // Caller admits only the roles that have a share
            throw new IllegalStateException("no share of the pool for " + caller.role());
        }
        acquire(share, caller.role());
        try (Connection connection = pool.getConnection()) {
            try {
                return work.run(connection);
            } catch (SQLException | RuntimeException | Error e) {
                rollbackQuietly(connection, e);
                throw e;
            }
        } finally {
            share.release();
        }
    }

    @FunctionalInterface
    private interface ConnectionWork<T> {
        T run(Connection connection) throws SQLException;
    }

    /** Binds {@link #BEGIN_AS_WITH}'s parameters; answers the index of the next parameter. */
    private int bindOpening(PreparedStatement statement, Caller caller, boolean readOnly, Map<String, String> settings)
            throws SQLException {
        statement.setString(1, caller.role());
        statement.setString(2, caller.claimsJson());
        statement.setString(3, caller.subject() == null ? "" : caller.subject());
        statement.setString(4, caller.role());
        statement.setString(5, limits.statementTimeout(caller.role()).toMillis() + "ms");
        statement.setString(6, readOnly ? "on" : "off");
        int i = 7;
        for (Map.Entry<String, String> setting : settings.entrySet()) {
            statement.setString(i++, setting.getKey());
            statement.setString(i++, setting.getValue());
        }
        return i;
    }

    private static String beginAs(Map<String, String> settings) {
        if (settings.size() > MAX_SETTINGS) {
            throw new IllegalArgumentException("at most " + MAX_SETTINGS + " settings per transaction");
        }
        for (String name : settings.keySet()) {
            // Custom settings only, and the session's time zone (the data API's Prefer: timezone=):
            // another built-in one (role, search_path, ...) or the claims would change who the
            // transaction runs as or what it reads.
            if (!name.equals("timezone") && (name.indexOf('.') <= 0 || name.startsWith("request.jwt"))) {
                throw new IllegalArgumentException("not a custom setting a transaction may make: " + name);
            }
        }
        return BEGIN_AS_WITH[settings.size()];
    }

    private static void acquire(Semaphore share, String role) throws SQLException {
        try {
            if (!share.tryAcquire(CONNECTION_TIMEOUT_MILLIS, TimeUnit.MILLISECONDS)) {
                // The same answer as a pool that has no connection left: PostgREST's PGRST003 (504).
                throw new SQLTransientConnectionException("every connection " + role + " may use is busy");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SQLTransientConnectionException("interrupted while waiting for a connection", e);
        }
    }

    /** True when the server answers a round trip within a second, on the health check's own connection. */
    public boolean isReachable() {
        return serverUp.getAsBoolean() && health.ping();
    }

    /**
     * The pool right now: connections in use, idle, in all, and callers waiting for one; and per
     * request role, how many of its share are taken. For metrics and monitoring.
     */
    public PoolStatus poolStatus() {
        var bean = pool.getHikariPoolMXBean();
        Map<String, Integer> inUse = new java.util.TreeMap<>();
        shares.forEach((role, share) -> inUse.put(role, limits.share(role) - share.availablePermits()));
        return bean == null
                ? new PoolStatus(0, 0, 0, 0, pool.getMaximumPoolSize(), inUse)
                : new PoolStatus(
                        bean.getActiveConnections(),
                        bean.getIdleConnections(),
                        bean.getTotalConnections(),
                        bean.getThreadsAwaitingConnection(),
                        pool.getMaximumPoolSize(),
                        inUse);
    }

    /** See {@link #poolStatus()}. */
    public record PoolStatus(int active, int idle, int total, int waiting, int max, Map<String, Integer> sharesInUse) {}

    /** Drops pooled connections, e.g. after the server restarted and they all point at a dead backend. */
    public void evictConnections() {
        if (pool.getHikariPoolMXBean() != null) {
            pool.getHikariPoolMXBean().softEvictConnections();
        }
        health.reset();
    }

    @Override
    public void close() {
        pool.close();
        health.reset();
    }

    private static void rollbackQuietly(Connection connection, Throwable cause) {
        try {
            connection.rollback();
        } catch (SQLException rollbackFailure) {
            cause.addSuppressed(rollbackFailure);
        }
    }

    /** Work inside a {@link #transaction}. */
    @FunctionalInterface
    public interface Work<T> {
        T run(Transaction tx) throws SQLException;
    }

    /** The connection of a running transaction, and jOOQ bound to it. Never commit or close it. */
    public record Transaction(Connection connection) {
        private static final Settings JOOQ_SETTINGS = new Settings().withRenderSchema(true);

        public DSLContext dsl() {
            return DSL.using(connection, SQLDialect.POSTGRES, JOOQ_SETTINGS);
        }
    }

    /**
     * One connection kept for health checks, outside the pool: a load balancer's check must not
     * queue behind requests, and must answer within a second even when the server hangs.
     */
    private static final class HealthProbe {
        private static final int TIMEOUT_SECONDS = 1;
        private final DatabaseTarget target;
        private final Properties login = new Properties();
        private final ReentrantLock lock = new ReentrantLock();
        private @Nullable Connection connection;
        private volatile boolean lastResult;

        HealthProbe(DatabaseTarget target, String role, String password) {
            this.target = target;
            login.setProperty("user", role);
            login.setProperty("password", password);
            login.setProperty("connectTimeout", Integer.toString(TIMEOUT_SECONDS));
            login.setProperty("loginTimeout", Integer.toString(TIMEOUT_SECONDS));
            login.setProperty("socketTimeout", Integer.toString(TIMEOUT_SECONDS));
            login.setProperty("ApplicationName", "atelier-health");
        }

        boolean ping() {
            try {
                if (!lock.tryLock(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                    return lastResult; // another check is under way: share its answer
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
            try {
                if (connection == null) {
                    connection = DriverManager.getConnection(target.jdbcUrl(), login);
                }
                try (PreparedStatement ping = connection.prepareStatement("select 1")) {
                    ping.setQueryTimeout(TIMEOUT_SECONDS);
                    ping.execute();
                }
                lastResult = true;
            } catch (SQLException e) {
                closeQuietly();
                lastResult = false;
            } finally {
                lock.unlock();
            }
            return lastResult;
        }

        void reset() {
            lock.lock();
            try {
                closeQuietly();
            } finally {
                lock.unlock();
            }
        }

        private void closeQuietly() {
            if (connection != null) {
                try {
                    connection.close();
                } catch (SQLException ignored) {
                    // already broken
                }
                connection = null;
            }
        }
    }
}
