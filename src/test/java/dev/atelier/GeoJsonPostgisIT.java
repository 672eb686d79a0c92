package dev.atelier;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.atelier.platform.db.EmbeddedDatabase;
import dev.atelier.testing.Poll;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code Accept: application/geo+json} where PostGIS exists (ADR 0028): the embedded PostgreSQL has
 * no PostGIS, so this runs Atelier on a Debian PostgreSQL 15 cluster with
 * {@code postgresql-15-postgis-3} (.ci/run installs both) and checks PostgREST's GeoJSON answers: a
 * FeatureCollection of ST_AsGeoJSON rows, an empty one, and 22023 for a table without geometry.
 */
class GeoJsonPostgisIT {

    private static final String SECRET = "geojson-".repeat(6);
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void rowsOfATableWithGeometryAreAFeatureCollection(@TempDir Path dir) throws Exception {
        assertThat(Path.of("/usr/share/postgresql/15/extension/postgis.control"))
                .as("PostGIS for PostgreSQL 15 (Debian: apt-get install postgresql-15-postgis-3; .ci/run installs it)")
                .exists();
        try (EmbeddedDatabase cluster = DebianPostgres15.start(dir)) {
            String superuser = cluster.target().ownerPassword();
            try (Connection c = DriverManager.getConnection(cluster.target().jdbcUrl(), "postgres", superuser);
                    Statement st = c.createStatement()) {
                st.execute("create database geo");
            }
            String geoUrl = cluster.target().jdbcUrl().replaceFirst("/[^/?]+(\\?|$)", "/geo$1");
            try (Connection c = DriverManager.getConnection(geoUrl, "postgres", superuser);
                    Statement st = c.createStatement()) {
                st.execute("create extension postgis");
                st.execute("create schema geo_fixture");
            }
            Files.createDirectories(dir.resolve("data"));
            try (ServerProcess server = ServerProcess.start(
                    Map.of(
                            "DATABASE_URL",
                            "postgres://postgres:" + superuser + "@127.0.0.1:"
                                    + cluster.target().port() + "/geo",
                            "ATELIER_JWT_SECRET",
                            SECRET,
                            "ATELIER_REST_SCHEMAS",
                            "geo_fixture"),
                    "serve",
                    "--data-dir",
                    dir.resolve("data").toString(),
                    "--port",
                    "0")) {
                String api = server.awaitApiUrl(Duration.ofSeconds(90));
                String anonKey = ServerProcess.line(server.stdout(), "anon key:");
                // The tables come once the server's migrations made the roles; the first request that
                // names them reloads the schema cache (and the grants with it).
                try (Connection c = DriverManager.getConnection(geoUrl, "postgres", superuser);
                        Statement st = c.createStatement()) {
                    st.execute("create table geo_fixture.shops (id integer primary key, address text not null, "
                            + "shop_geom public.geometry(Point, 4326))");
                    st.execute(
                            "insert into geo_fixture.shops values "
                                    + "(1, '1369 Cambridge St', public.st_setsrid(public.st_makepoint(-71.10044, 42.373695), 4326)), "
                                    + "(2, '757 Massachusetts Ave', public.st_setsrid(public.st_makepoint(-71.10543, 42.366432), 4326))");
                    st.execute("create table geo_fixture.plain (id integer primary key)");
                    st.execute("insert into geo_fixture.plain values (1)");
                    for (String table : new String[] {"shops", "plain"}) {
                        st.execute("alter table geo_fixture." + table + " enable row level security");
                        st.execute("create policy everyone_reads on geo_fixture." + table + " for select using (true)");
                    }
                    st.execute("grant usage on schema geo_fixture to anon");
                    // Atelier locks EXECUTE down (V47), PostGIS's functions included: the operator
                    // grants ST_AsGeoJSON(record) to the API roles, as the README says.
                    st.execute("""
                            do $$
                            declare f regprocedure;
                            begin
                              for f in select p.oid::regprocedure from pg_proc p
                                        where p.proname = 'st_asgeojson' and p.proargtypes[0] = 'record'::regtype loop
                                execute format('grant execute on function %s to anon, authenticated, service_role', f);
                              end loop;
                            end $$""");
                    st.execute("grant select on geo_fixture.shops, geo_fixture.plain to anon");
                }
                // A miss reloads the schema cache at most once a second: ask until it has the tables.
                Poll.until(
                        "the schema cache to see the new tables",
                        Duration.ofSeconds(15),
                        () -> geo(api, anonKey, "/rest/v1/plain").statusCode() != 404);
                HttpResponse<String> shops = geo(api, anonKey, "/rest/v1/shops?select=id,address,shop_geom&order=id");
                assertThat(shops.statusCode()).as(shops.body()).isEqualTo(200);
                assertThat(shops.headers().firstValue("Content-Type")).hasValue("application/geo+json; charset=utf-8");
                assertThat(JSON.readTree(shops.body())).isEqualTo(JSON.readTree("""
                                {"type":"FeatureCollection","features":[
                                  {"type":"Feature","geometry":{"type":"Point","coordinates":[-71.10044,42.373695]},
                                   "properties":{"id":1,"address":"1369 Cambridge St"}},
                                  {"type":"Feature","geometry":{"type":"Point","coordinates":[-71.10543,42.366432]},
                                   "properties":{"id":2,"address":"757 Massachusetts Ave"}}]}
                                """));

                HttpResponse<String> none = geo(api, anonKey, "/rest/v1/shops?id=gt.2");
                assertThat(none.statusCode()).isEqualTo(200);
                assertThat(JSON.readTree(none.body()))
                        .isEqualTo(JSON.readTree("{\"type\":\"FeatureCollection\",\"features\":[]}"));

                HttpResponse<String> plain = geo(api, anonKey, "/rest/v1/plain");
                assertThat(plain.statusCode()).as(plain.body()).isEqualTo(400);
                JsonNode error = JSON.readTree(plain.body());
                assertThat(error.get("code").asText()).isEqualTo("22023");
                assertThat(error.get("message").asText()).isEqualTo("geometry column is missing");
            }
        }
    }

    private static HttpResponse<String> geo(String api, String key, String path) throws Exception {
        String base = api.endsWith("/") ? api.substring(0, api.length() - 1) : api;
        String root = base.replaceFirst("/rest/v1$", "");
        return HttpClient.newHttpClient()
                .send(
                        ServerProcess.authorized(root + path, key)
                                .header("Accept", "application/geo+json")
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
    }
}
