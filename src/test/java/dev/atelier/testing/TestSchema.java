package dev.atelier.testing;

import dev.atelier.platform.rest.SchemaCache;
import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;
import java.util.Properties;
import org.flywaydb.core.Flyway;

/**
 * The Data API tests' own schema, {@value #NAME}: created by the test migrations in
 * src/test/resources/db/test-migration (with their own history table, so their versions never mix
 * with the product's) and exposed to /rest/v1 in tests only, after the product's schemas: the
 * default profile stays the product's first one, and the tests reach this schema through
 * Accept-Profile / Content-Profile as supabase-js's {@code .schema()} does.
 */
public final class TestSchema {

    public static final String NAME = "rest_fixture";
    /** The fixture's pre-request function (V40), which the test server names in atelier.rest.pre-request. */
    public static final String PRE_REQUEST = NAME + ".pre_request";

    private static final String SCHEMAS_PROPERTY = "atelier.rest.schemas";

    private TestSchema() {}

    /**
     * Before the server starts: exposes the product's configured schemas plus this one, through a
     * system property (which Spring ranks above application.properties).
     */
    static void expose() {
        String configured = System.getProperty(SCHEMAS_PROPERTY, productSchemas());
        if (Arrays.stream(configured.split(",")).map(String::trim).noneMatch(NAME::equals)) {
            System.setProperty(SCHEMAS_PROPERTY, configured + "," + NAME);
        }
    }

    /** After the server started: applies the test migrations and reloads the Data API's schema cache. */
    static void migrate(TestServer server) {
        Flyway.configure()
                .dataSource(server.ownerDataSource())
                .locations("classpath:db/test-migration")
                .schemas(NAME)
                .table("flyway_test_history")
                .createSchemas(true)
                .load()
                .migrate();
        server.component(SchemaCache.class).reload();
    }

    private static String productSchemas() {
        Properties properties = new Properties();
        try (InputStream in = TestSchema.class.getResourceAsStream("/application.properties")) {
            if (in == null) {
                throw new IllegalStateException("application.properties is not on the test classpath");
            }
            properties.load(in);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        String schemas = properties.getProperty(SCHEMAS_PROPERTY);
        if (schemas == null || schemas.isBlank()) {
            throw new IllegalStateException("application.properties sets no " + SCHEMAS_PROPERTY);
        }
        return schemas.trim();
    }
}
