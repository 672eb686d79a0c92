package dev.atelier.platform.account;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.atelier.platform.storage.ServerFiles;
import dev.atelier.testing.OwnerSql;
import dev.atelier.testing.Rest;
import dev.atelier.testing.TestServer;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;

/**
 * A user's rows in all five apps and in storage: the export holds exactly theirs; deleting the user
 * removes them (bytes included), keeps the credit ledgers' rows without the user, and leaves
 * everyone else's alone.
 */
class UserAccountsTest {

    private static final TestServer server = TestServer.get();

    /** One user with a row in every app, a credit in both ledgers and a stored file. */
    private record Seeded(TestServer.TestUser user, String marker, String version) {}

    @Test
    void theExportHoldsTheCallersRowsOfEveryAppAndNobodyElses() throws Exception {
        Seeded ada = seed();
        Seeded bob = seed();
        Rest.Response export = Rest.as(ada.user().accessToken()).get("/api/v1/me/export");
        assertThat(export.status()).as(export.body()).isEqualTo(200);
        JsonNode body = export.json();
        assertThat(body.path("user").path("id").asText())
                .isEqualTo(ada.user().id().toString());
        JsonNode data = body.path("data");
        assertThat(marked(data.path("algorhythmic").path("rai_sessions"), "client_session_id", ada.marker()))
                .isOne();
        assertThat(data.path("algorhythmic").path("credit_ledger").size()).isGreaterThanOrEqualTo(1);
        assertThat(data.path("algorhythmic").path("users").get(0).path("id").asText())
                .isEqualTo(ada.user().id().toString());
        assertThat(marked(data.path("infinitestories").path("heroes"), "name", ada.marker()))
                .isOne();
        assertThat(marked(data.path("rotation").path("user_collections"), "name", ada.marker()))
                .isOne();
        assertThat(marked(data.path("moodscale").path("mood_entries"), "notes", ada.marker()))
                .isOne();
        assertThat(data.path("moodscale").path("users").get(0).has("spotify_access_token_encrypted"))
                .as("columns the user may not read (encrypted tokens) stay out")
                .isFalse();
        assertThat(marked(data.path("delula").path("generations"), "prompt", ada.marker()))
                .isOne();
        assertThat(data.path("delula").path("credit_transactions").size()).isGreaterThanOrEqualTo(1);
        assertThat(data.path("storage").path("objects").get(0).path("version").asText())
                .isEqualTo(ada.version());
        assertThat(export.body())
                .doesNotContain(bob.user().id().toString())
                .doesNotContain(bob.marker())
                .doesNotContain(bob.version());
        assertThat(body.path("not_readable").toString()).contains("infinitestories.audit_log");

        assertThat(Rest.anon().get("/api/v1/me/export").status()).isEqualTo(401);
        assertThat(Rest.service().get("/api/v1/me/export").status()).isEqualTo(401);
    }

    @Test
    void deletingAUserRemovesTheirRowsEverywhereAndKeepsTheLedgersUnnamed() throws Exception {
        Seeded ada = seed();
        Seeded bob = seed();
        List<UserData.Source> sources = server.component(UserData.class).sources();
        int ledgerRows;
        try (Connection owner = OwnerSql.owner()) {
            assertThat(rowsOf(owner, sources, ada.user().id())).isGreaterThanOrEqualTo(8);
            ledgerRows = count(
                    owner,
                    "select count(*) from algorhythmic.credit_ledger where user_id = '"
                            + ada.user().id() + "'");
            assertThat(ledgerRows).isPositive();
        }
        Path bytes = bytesOf(ada.version());
        assertThat(bytes).exists();
        String trail;
        try (Connection owner = OwnerSql.owner()) {
            trail = OwnerSql.queryString(
                    owner,
                    "insert into infinitestories.audit_log (table_name, operation, user_id)"
                            + " values ('heroes', 'UPDATE', '" + ada.user().id() + "') returning id");
        }

        Rest.Response deleted =
                Rest.service().delete("/auth/v1/admin/users/" + ada.user().id());
        assertThat(deleted.status()).as(deleted.body()).isEqualTo(200);

        try (Connection owner = OwnerSql.owner()) {
            assertThat(rowsOf(owner, sources, ada.user().id()))
                    .as("nothing of Ada's is left")
                    .isZero();
            assertThat(count(
                            owner,
                            "select count(*) from algorhythmic.credit_ledger where user_id is null"
                                    + " and description = '" + ada.marker() + "'"))
                    .as("the ledger keeps her row, unnamed")
                    .isOne();
            assertThat(count(
                            owner,
                            "select count(*) from delula.credit_transactions where user_id is null"
                                    + " and description = '" + ada.marker() + "'"))
                    .isOne();
            assertThat(count(
                            owner,
                            "select count(*) from platform.ledger_reconcile() r where r.user_id is null"
                                    + " or r.user_id = '" + bob.user().id() + "'"))
                    .as("the balances still reconcile")
                    .isZero();
            assertThat(seededRows(owner, bob)).as("Bob keeps everything").isEqualTo(9);
            assertThat(OwnerSql.queryString(
                            owner,
                            "select coalesce(user_id::text, 'none') from" + " infinitestories.audit_log where id = '"
                                    + trail + "'"))
                    .as("the audit trail keeps its row, unnamed")
                    .isEqualTo("none");
            assertThat(count(
                            owner,
                            "select count(*) from infinitestories.audit_log where operation = 'DELETE'"
                                    + " and changed_data ->> 'name' = '" + ada.marker() + "'"))
                    .as("the erasure is not copied into the trail")
                    .isZero();
            assertThat(count(
                            owner,
                            "select count(*) from auth.sessions where user_id = '"
                                    + ada.user().id() + "'"))
                    .isZero();
        }
        assertThat(bytes).as("the stored file's bytes are gone too").doesNotExist();
        assertThat(bytesOf(bob.version())).exists();
        assertThat(Rest.as(ada.user().accessToken()).get("/api/v1/me/export").status())
                .as("her token no longer acts for anyone")
                .isIn(401, 404);
    }

    @Test
    void theLedgerGuardLetsOnlyTheDeletionUnnameRows() throws Exception {
        Seeded ada = seed();
        String live = "update algorhythmic.credit_ledger set user_id = null where user_id = '"
                + ada.user().id() + "'";
        String trail = "update infinitestories.audit_log set user_id = null where user_id = '"
                + ada.user().id() + "'";
        try (Connection owner = OwnerSql.owner()) {
            OwnerSql.exec(
                    owner,
                    "insert into infinitestories.audit_log (table_name, operation, user_id) values"
                            + " ('heroes', 'UPDATE', '" + ada.user().id() + "')");
            for (String sql : List.of(live, trail)) {
                assertThatThrownBy(() -> OwnerSql.exec(owner, sql))
                        .as("not even the owner takes a live user's name off a ledger: " + sql)
                        .isInstanceOfSatisfying(
                                java.sql.SQLException.class,
                                e -> assertThat(e.getSQLState()).isEqualTo("42501"));
            }
        }
        assertThat(Rest.service()
                        .delete("/auth/v1/admin/users/" + ada.user().id())
                        .status())
                .isEqualTo(200);
        try (Connection owner = OwnerSql.owner()) {
            assertThatThrownBy(() -> OwnerSql.exec(
                            owner,
                            "update algorhythmic.credit_ledger set amount = 6"
                                    + " where user_id is null and description = '" + ada.marker() + "'"))
                    .as("an unnamed row is as append-only as before")
                    .isInstanceOfSatisfying(
                            java.sql.SQLException.class,
                            e -> assertThat(e.getSQLState()).isEqualTo("42501"));
        }
    }

    @Test
    void aUserDeletesTheirOwnAccountWithTheirPassword() throws Exception {
        Seeded ada = seed();
        Rest me = Rest.as(ada.user().accessToken());
        Rest.Response noPassword = me.send("DELETE", "/api/v1/me", null);
        assertThat(noPassword.status()).isEqualTo(400);
        assertThat(noPassword.json().path("field").asText()).isEqualTo("password");
        Rest.Response wrong = me.send("DELETE", "/api/v1/me", Rest.json(Map.of("password", "not it at all")));
        assertThat(wrong.status()).isEqualTo(400);
        assertThat(Rest.anon().send("DELETE", "/api/v1/me", "{}").status()).isEqualTo(401);
        assertThat(identities(ada)).isOne();

        Rest.Response done = me.send("DELETE", "/api/v1/me", Rest.json(Map.of("password", TestServer.MINTED_PASSWORD)));
        assertThat(done.status()).as(done.body()).isEqualTo(204);
        assertThat(identities(ada)).isZero();
        try (Connection owner = OwnerSql.owner()) {
            assertThat(count(owner, "select count(*) from infinitestories.heroes where name = '" + ada.marker() + "'"))
                    .isZero();
        }
        assertThat(bytesOf(ada.version())).doesNotExist();
    }

    @Test
    void anAnonymousUserDeletesTheirAccountWithTheirTokenAlone() {
        JsonNode signedIn = anonymousSignIn();
        Rest me = Rest.as(signedIn.path("access_token").asText());
        assertThat(me.send("DELETE", "/api/v1/me", null).status()).isEqualTo(204);
        assertThat(Rest.service()
                        .get("/auth/v1/admin/users/"
                                + signedIn.path("user").path("id").asText())
                        .status())
                .isEqualTo(404);
    }

    private static JsonNode anonymousSignIn() {
        Rest.Response r = Rest.anon().post("/auth/v1/signup", "{}");
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        return r.json();
    }

    private static Seeded seed() throws Exception {
        TestServer.TestUser user = server.newUser();
        String marker = "marker-" + UUID.randomUUID();
        UUID id = user.id();
        try (Connection owner = OwnerSql.owner()) {
            OwnerSql.exec(
                    owner,
                    "insert into algorhythmic.rai_sessions (user_id, client_session_id) values ('" + id + "', '"
                            + marker + "')");
            OwnerSql.exec(
                    owner,
                    "insert into algorhythmic.credit_ledger (user_id, amount, event_type, description,"
                            + " balance_after) values ('" + id + "', 5, 'grant', '" + marker + "', 0)");
            OwnerSql.exec(
                    owner,
                    "insert into infinitestories.heroes (user_id, name, primary_trait, secondary_trait,"
                            + " appearance, special_ability) values ('" + id + "', '" + marker
                            + "', 'brave', 'kind', 'tall', 'flying')");
            OwnerSql.exec(
                    owner,
                    "insert into rotation.user_collections (user_id, name) select u.id, '" + marker
                            + "' from rotation.users u where u.auth_user_id = '" + id + "'");
            OwnerSql.exec(
                    owner,
                    "insert into moodscale.mood_entries (user_id, mood_score, notes) select u.id, 7, '" + marker
                            + "' from moodscale.users u where u.auth_user_id = '" + id + "'");
            OwnerSql.exec(
                    owner, "insert into delula.generations (user_id, prompt) values ('" + id + "', '" + marker + "')");
            OwnerSql.exec(
                    owner,
                    "insert into delula.credit_transactions (user_id, amount, type, description,"
                            + " balance_after) values ('" + id + "', 5, 'purchase', '" + marker + "', 0)");
        }
        ServerFiles.Stored stored = server.component(ServerFiles.class)
                .put("assets", id + "/" + marker + ".png", id.toString(), png(), "image/png");
        String version;
        try (Connection owner = OwnerSql.owner()) {
            version =
                    OwnerSql.queryString(owner, "select version from storage.objects where id = '" + stored.id() + "'");
        }
        return new Seeded(user, marker, version);
    }

    /** How many rows of the user's every source holds, counted as the owner with the export's own conditions. */
    private static int rowsOf(Connection owner, List<UserData.Source> sources, UUID user) throws Exception {
        int total = 0;
        for (UserData.Source source : sources) {
            String sql = "select count(*) from " + source.table() + " where " + source.condition();
            try (PreparedStatement s = owner.prepareStatement(sql)) {
                for (int i = 1; i <= s.getParameterMetaData().getParameterCount(); i++) {
                    s.setString(i, user.toString());
                }
                try (ResultSet rs = s.executeQuery()) {
                    rs.next();
                    total += rs.getInt(1);
                }
            }
        }
        return total;
    }

    /** The rows {@link #seed} made for the user, found by their marker (nine: see seed). */
    private static int seededRows(Connection owner, Seeded seeded) throws Exception {
        String m = "'" + seeded.marker() + "'";
        return count(
                owner,
                "select (select count(*) from algorhythmic.rai_sessions where client_session_id = " + m
                        + ") + (select count(*) from algorhythmic.credit_ledger where description = " + m
                        + " and user_id is not null) + (select count(*) from infinitestories.heroes where name = " + m
                        + ") + (select count(*) from rotation.user_collections where name = " + m
                        + ") + (select count(*) from moodscale.mood_entries where notes = " + m
                        + ") + (select count(*) from delula.generations where prompt = " + m
                        + ") + (select count(*) from delula.credit_transactions where description = " + m
                        + " and user_id is not null) + (select count(*) from storage.objects where version = '"
                        + seeded.version() + "') + (select count(*) from auth.users where id = '"
                        + seeded.user().id() + "')");
    }

    private static int identities(Seeded seeded) throws Exception {
        try (Connection owner = OwnerSql.owner()) {
            return count(
                    owner,
                    "select count(*) from auth.users where id = '"
                            + seeded.user().id() + "'");
        }
    }

    private static int count(Connection owner, String sql) throws Exception {
        return Integer.parseInt(OwnerSql.queryString(owner, sql));
    }

    private static long marked(JsonNode rows, String field, String marker) {
        long n = 0;
        for (JsonNode row : rows) {
            if (marker.equals(row.path(field).asText())) {
                n++;
            }
        }
        return n;
    }

    private static Path bytesOf(String version) {
        return server.dataDirectory()
                .resolve("storage")
                .resolve("objects")
                .resolve(version.substring(0, 2))
                .resolve(version);
    }

    private static byte[] png() throws Exception {
        BufferedImage image = new BufferedImage(2, 2, BufferedImage.TYPE_INT_RGB);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ImageIO.write(image, "png", out);
        return out.toByteArray();
    }
}
