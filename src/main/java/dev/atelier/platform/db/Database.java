package dev.atelier.platform.db;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import org.jooq.DSLContext;
import org.jooq.SQLDialect;
import org.jooq.conf.Settings;
import org.jooq.impl.DSL;

/**
 * The request pool. It logs in as {@code atelier_authenticator}, which owns nothing and has no
 * BYPASSRLS, and every unit of work runs in one transaction that first switches to the caller's
 * role and publishes the caller's claims, so that grants and row-level security decide what the
 * work may see and change.
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

    private final HikariDataSource pool;
    private final String statementTimeout;

    private Database(HikariDataSource pool, String statementTimeout) {
        this.pool = pool;
        this.statementTimeout = statementTimeout;
    }

    public static Database connect(DatabaseTarget target, String authenticatorPassword, int poolSize) {
        HikariConfig config = new HikariConfig();
        config.setPoolName("atelier-requests");
        config.setJdbcUrl(target.jdbcUrl());
        config.setUsername(Migrations.AUTHENTICATOR);
        config.setPassword(authenticatorPassword);
        config.setMaximumPoolSize(poolSize);
        config.setAutoCommit(false);
        config.setConnectionTimeout(10_000);
        config.addDataSourceProperty("ApplicationName", "atelier");
        config.addDataSourceProperty("reWriteBatchedInserts", "true");
        // Strings go out untyped so PostgreSQL infers each parameter's type from where it is
        // used: a filter value "42" compares with an integer, a uuid or a timestamptz column alike.
        config.addDataSourceProperty("stringtype", "unspecified");
        return new Database(new HikariDataSource(config), "30s");
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
        try (Connection connection = pool.getConnection()) {
            try {
                try (PreparedStatement begin = connection.prepareStatement(BEGIN_AS)) {
                    begin.setString(1, caller.role());
                    begin.setString(2, caller.claimsJson());
                    begin.setString(3, caller.subject() == null ? "" : caller.subject());
                    begin.setString(4, caller.role());
                    begin.setString(5, statementTimeout);
                    begin.setString(6, readOnly ? "on" : "off");
                    begin.execute();
                }
                T result = work.run(new Transaction(connection));
                connection.commit();
                return result;
            } catch (SQLException | RuntimeException | Error e) {
                rollbackQuietly(connection, e);
                throw e;
            }
        }
    }

    /** A no-op round trip: true when the server answers within the pool's timeout. */
    public boolean isReachable() {
        try (Connection connection = pool.getConnection()) {
            try (PreparedStatement ping = connection.prepareStatement("select 1")) {
                ping.setQueryTimeout(5);
                ping.execute();
            }
            connection.rollback();
            return true;
        } catch (SQLException e) {
            return false;
        }
    }

    @Override
    public void close() {
        pool.close();
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
}
