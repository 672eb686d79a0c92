package dev.atelier;

import static org.assertj.core.api.Assertions.assertThat;

import dev.atelier.platform.db.DatabaseTarget;
import dev.atelier.platform.db.EmbeddedDatabase;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code atelier export} from the embedded database (PostgreSQL 17, beside its running server)
 * and {@code atelier import} into a new database of a Debian PostgreSQL 15 through DATABASE_URL:
 * afterwards every table has the same row count and checksum on both sides (counted here, in a
 * different way from the commands' own check).
 */
class ExportImportIT {

    /** Generous: on a loaded machine (several builds on two cores) a start has taken over a minute. */
    private static final Duration START = Duration.ofSeconds(120);
    /** The installation's own rows (its login role, its migration history), made by each database for itself. */
    private static final List<String> OWN = List.of("platform.instance", "platform.flyway_schema_history");

    /** User metadata that COPY's text format must escape and both versions must print alike. */
    private static final String TRICKY = "{\"note\":\"tab\\t newline\\n backslash \\\\ quote \\\" \\u00fc \u2603\","
            + "\"small\":1.5e-7,\"big\":12345678901234567890,\"list\":[null,true,\"\"]}";

    @TempDir
    Path dir;

    @Test
    void anExportOfTheEmbeddedDatabaseImportsIntoPostgres15WithEveryTableEqual() throws Exception {
        Path data = dir.resolve("data");
        Path dump = dir.resolve("atelier.dump");
        Map<String, String> env = Map.of("ATELIER_BACKUP_ENABLED", "false");
        Map<String, String[]> source;
        try (ServerProcess server = ServerProcess.start(env, "serve", "--data-dir", data.toString(), "--port", "0")) {
            String url = server.awaitApiUrl(START);
            String key = ServerProcess.line(server.stdout(), "service_role key:");
            HttpClient http = HttpClient.newHttpClient();
            for (int i = 0; i < 3; i++) {
                HttpResponse<String> signup = http.send(
                        HttpRequest.newBuilder(URI.create(url + "/auth/v1/signup"))
                                .header("apikey", ServerProcess.line(server.stdout(), "anon key:"))
                                .header("Content-Type", "application/json")
                                .POST(HttpRequest.BodyPublishers.ofString("{\"email\":\"export" + i
                                        + "@example.com\",\"password\":\"correct horse battery\",\"data\":"
                                        + TRICKY + "}"))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
                assertThat(signup.statusCode()).as(signup.body()).isEqualTo(200);
            }
            HttpResponse<String> bucket = http.send(
                    HttpRequest.newBuilder(URI.create(url + "/storage/v1/bucket"))
                            .header("apikey", key)
                            .header("Authorization", "Bearer " + key)
                            .header("Content-Type", "application/json")
                            .POST(HttpRequest.BodyPublishers.ofString("{\"name\":\"exported\"}"))
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(bucket.statusCode()).as(bucket.body()).isEqualTo(200);

            long started = System.nanoTime();
            ServerProcess export = ServerProcess.start(env, "export", dump.toString(), "--data-dir", data.toString());
            assertThat(export.awaitExit(START))
                    .as(export.stdout() + export.stderr())
                    .isZero();
            System.out.printf(
                    "export: %d ms, %d bytes; %s%n",
                    (System.nanoTime() - started) / 1_000_000,
                    dump.toFile().length(),
                    export.stdout().lines().reduce((a, b) -> b).orElse(""));
            DatabaseTarget embedded = EmbeddedDatabase.running(data).orElseThrow();
            try (Connection c = Server.owner(embedded)) {
                source = figures(c);
            }
        }
        assertThat(source.get("auth.users")[0]).isEqualTo("3");

        try (EmbeddedDatabase pg15 = DebianPostgres15.start(dir)) {
            String password = pg15.target().ownerPassword();
            try (Connection c = DriverManager.getConnection(pg15.target().jdbcUrl(), "postgres", password);
                    Statement st = c.createStatement()) {
                st.execute("create database imported");
            }
            String databaseUrl = "postgres://postgres:" + password + "@127.0.0.1:"
                    + pg15.target().port() + "/imported";
            long started = System.nanoTime();
            ServerProcess load = ServerProcess.start(
                    Map.of("DATABASE_URL", databaseUrl),
                    "import",
                    dump.toString(),
                    "--data-dir",
                    dir.resolve("target").toString());
            assertThat(load.awaitExit(START)).as(load.stdout() + load.stderr()).isZero();
            System.out.printf(
                    "import into PostgreSQL 15: %d ms; %s%n",
                    (System.nanoTime() - started) / 1_000_000,
                    load.stdout().lines().reduce((a, b) -> b).orElse(""));
            try (Connection c = DriverManager.getConnection(
                    "jdbc:postgresql://127.0.0.1:" + pg15.target().port() + "/imported", "postgres", password)) {
                Map<String, String[]> imported = figures(c);
                assertThat(imported.keySet()).isEqualTo(source.keySet());
                List<String> differ = new ArrayList<>();
                source.forEach((table, want) -> {
                    String[] got = imported.get(table);
                    if (!want[0].equals(got[0]) || !want[1].equals(got[1])) {
                        differ.add(table + ": " + want[0] + " rows " + want[1] + " vs " + got[0] + " rows " + got[1]);
                    }
                });
                assertThat(differ).as("tables whose count or checksum differ").isEmpty();
            }
        }
    }

    /** Every table's row count and an md5 over its rows' text, sorted: not the commands' own checksum. */
    private static Map<String, String[]> figures(Connection c) throws SQLException {
        List<String> tables = new ArrayList<>();
        try (Statement st = c.createStatement();
                ResultSet rs = st.executeQuery("""
                        select n.nspname || '.' || c.relname, format('%I.%I', n.nspname, c.relname)
                          from pg_class c join pg_namespace n on n.oid = c.relnamespace
                         where c.relkind = 'r' and n.nspname <> 'information_schema' and n.nspname not like 'pg\\_%'
                         order by 1""")) {
            while (rs.next()) {
                if (!OWN.contains(rs.getString(1))) {
                    tables.add(rs.getString(2));
                }
            }
        }
        Map<String, String[]> figures = new LinkedHashMap<>();
        try (Statement st = c.createStatement()) {
            st.execute("set timezone = 'UTC'");
            for (String table : tables) {
                try (ResultSet rs = st.executeQuery("select count(*), coalesce(md5(string_agg(h, ',' order by h)), '')"
                        + " from (select md5(x::text) h from " + table + " x) rows")) {
                    rs.next();
                    figures.put(table.replace("\"", ""), new String[] {rs.getString(1), rs.getString(2)});
                }
            }
        }
        return figures;
    }
}
