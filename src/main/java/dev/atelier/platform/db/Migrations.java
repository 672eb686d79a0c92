package dev.atelier.platform.db;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Properties;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.output.MigrateResult;

/** Applies the schema as the owner, then gives the request login role its password. */
public final class Migrations {

    /** The pool's login role, created by V1. */
    public static final String AUTHENTICATOR = "atelier_authenticator";

    private Migrations() {
    }

    public static MigrateResult apply(DatabaseTarget target, String authenticatorPassword) {
        Flyway flyway = Flyway.configure()
                .dataSource(target.jdbcUrl(), target.ownerUser(), target.ownerPassword())
                .locations("classpath:db/migration")
                .schemas("platform")
                .createSchemas(true)
                .connectRetries(5)
                .load();
        MigrateResult result = flyway.migrate();
        setAuthenticatorPassword(target, authenticatorPassword);
        return result;
    }

    private static void setAuthenticatorPassword(DatabaseTarget target, String password) {
        if (!password.matches("[0-9a-f]{32,128}")) {
            // The password is spliced into DDL (ALTER ROLE takes no parameters): hex only.
            throw new IllegalArgumentException("the authenticator password must be hex");
        }
        Properties props = new Properties();
        props.setProperty("user", target.ownerUser());
        if (target.ownerPassword() != null) {
            props.setProperty("password", target.ownerPassword());
        }
        try (Connection connection = DriverManager.getConnection(target.jdbcUrl(), props);
             Statement statement = connection.createStatement()) {
            statement.execute("ALTER ROLE " + AUTHENTICATOR + " WITH LOGIN PASSWORD '" + password + "'");
        } catch (SQLException e) {
            throw new IllegalStateException("could not set the password of " + AUTHENTICATOR + ": " + e.getMessage(), e);
        }
    }
}
