package dev.atelier.platform.rest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.atelier.testing.Rest;
import dev.atelier.testing.TestServer;
import dev.atelier.testing.TestServer.TestUser;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The Prefer header as PostgREST 12/13 acts on it (issue 14): max-affected with handling=strict,
 * tx=rollback|commit (the test server runs with atelier.rest.tx-end=commit-allow-override),
 * counts on /rpc, count=estimated past db-max-rows, missing=default with identity and generated
 * columns, upserts' 200/201, and timezone. Status, headers and bodies as PostgREST's own specs
 * (test/spec/Feature/Query/PreferencesSpec.hs and its neighbours) assert them.
 */
class PreferencesTest {

    private TestUser user;
    private Rest rest;

    @BeforeEach
    void newUser() {
        user = TestServer.get().newUser();
        rest = Fixtures.as(user.accessToken());
    }

    private Map<String, Object> item(String name, int rank) {
        Map<String, Object> row = new LinkedHashMap<>();
        row.put("id", UUID.randomUUID().toString());
        row.put("user_id", user.id().toString());
        row.put("name", name);
        row.put("rank", rank);
        return row;
    }

    private List<Map<String, Object>> items(int count) {
        List<Map<String, Object>> rows = new ArrayList<>();
        for (int i = 1; i <= count; i++) {
            rows.add(item("item " + i, i));
        }
        assertThat(rest.post("/prefer_items", Rest.json(rows)).status()).isEqualTo(201);
        return rows;
    }

    private List<String> names() {
        Rest.Response r = rest.get("/prefer_items?select=name&order=rank");
        assertThat(r.status()).isEqualTo(200);
        return r.json().findValuesAsText("name");
    }

    private static void assertError(Rest.Response r, int status, String code, String message, String details) {
        assertThat(r.status()).as(r.body()).isEqualTo(status);
        JsonNode json = r.json();
        assertThat(json.get("code").asText()).isEqualTo(code);
        assertThat(json.get("message").asText()).isEqualTo(message);
        if (details == null) {
            assertThat(json.get("details").isNull()).isTrue();
        } else {
            assertThat(json.get("details").asText()).isEqualTo(details);
        }
        assertThat(json.get("hint").isNull()).isTrue();
    }

    // --- max-affected ---------------------------------------------------------------------------

    @Test
    void maxAffectedWithStrictHandlingRefusesMoreRowsAndWritesNothing() {
        items(3);
        Rest strict2 = rest.with("Prefer", "handling=strict, max-affected=2");
        assertError(
                strict2.delete("/prefer_items?rank=lt.10"),
                400,
                "PGRST124",
                "Query result exceeds max-affected preference constraint",
                "The query affects 3 rows");
        assertThat(names()).as("rolled back").hasSize(3);

        Rest.Response patched = rest.with("Prefer", "handling=strict, max-affected=0, return=representation")
                .patch("/prefer_items?rank=eq.1", "{\"name\":\"renamed\"}");
        assertError(
                patched,
                400,
                "PGRST124",
                "Query result exceeds max-affected preference constraint",
                "The query affects 1 rows");
        assertThat(names()).containsExactly("item 1", "item 2", "item 3");

        // Within the limit: no error (it was PGRST122 before), and the preference is echoed.
        Rest.Response within = strict2.delete("/prefer_items?rank=lt.3");
        assertThat(within.status()).isEqualTo(204);
        assertThat(within.header("Preference-Applied")).isEqualTo("handling=strict, max-affected=2");
        assertThat(names()).containsExactly("item 3");
    }

    @Test
    void maxAffectedIsIgnoredWhenLenient() {
        items(3);
        Rest.Response r =
                rest.with("Prefer", "handling=lenient, max-affected=1").delete("/prefer_items?rank=lt.3");
        assertThat(r.status()).isEqualTo(204);
        assertThat(r.header("Preference-Applied")).isEqualTo("handling=lenient");
        assertThat(names()).containsExactly("item 3");

        Rest.Response unspecified = rest.with("Prefer", "max-affected=0").patch("/prefer_items", "{\"rank\":7}");
        assertThat(unspecified.status()).isEqualTo(204);
        assertThat(unspecified.header("Preference-Applied")).isNull();
    }

    @Test
    void maxAffectedOnFunctionsCountsTheRowsTheyReturn() {
        items(3);
        assertError(
                rest.with("Prefer", "handling=strict, max-affected=2")
                        .post("/rpc/prefer_delete_items", "{\"below\":10}"),
                400,
                "PGRST124",
                "Query result exceeds max-affected preference constraint",
                "The query affects 3 rows");
        assertThat(names()).as("the function's deletes rolled back").hasSize(3);

        Rest.Response ok = rest.with("Prefer", "handling=strict, max-affected=3")
                .post("/rpc/prefer_delete_items", "{\"below\":10}");
        assertThat(ok.status()).isEqualTo(200);
        assertThat(ok.json()).hasSize(3);
        assertThat(ok.header("Preference-Applied")).isEqualTo("handling=strict, max-affected=3");
        assertThat(names()).isEmpty();

        assertError(
                rest.with("Prefer", "handling=strict, max-affected=1").post("/rpc/prefer_forget", "{}"),
                400,
                "PGRST128",
                "Function must return SETOF or TABLE when max-affected preference is used with handling=strict",
                null);
    }

    // --- tx ---------------------------------------------------------------------------------------

    @Test
    void txRollbackIsADryRun() {
        items(2);
        Rest dry = rest.with("Prefer", "tx=rollback, return=representation");
        Rest.Response inserted = dry.post("/prefer_items", Rest.json(item("ghost", 9)));
        assertThat(inserted.status()).isEqualTo(201);
        assertThat(inserted.json().get(0).get("name").asText()).isEqualTo("ghost");
        assertThat(inserted.header("Preference-Applied")).isEqualTo("return=representation, tx=rollback");

        Rest.Response deleted = rest.with("Prefer", "tx=rollback").delete("/prefer_items");
        assertThat(deleted.status()).isEqualTo(204);
        assertThat(deleted.header("Preference-Applied")).isEqualTo("tx=rollback");

        Rest.Response patched = dry.patch("/prefer_items?rank=eq.1", "{\"name\":\"changed\"}");
        assertThat(patched.status()).isEqualTo(200);
        assertThat(patched.json().get(0).get("name").asText()).isEqualTo("changed");

        Rest.Response called = rest.with("Prefer", "tx=rollback").post("/rpc/prefer_delete_items", "{\"below\":10}");
        assertThat(called.status()).isEqualTo(200);
        assertThat(called.json()).hasSize(2);

        assertThat(names()).as("nothing was written").containsExactly("item 1", "item 2");

        Rest.Response read = rest.with("Prefer", "tx=rollback").get("/prefer_items?select=name");
        assertThat(read.status()).isEqualTo(200);
        assertThat(read.json()).hasSize(2);
        assertThat(read.header("Preference-Applied")).isEqualTo("tx=rollback");

        Rest.Response committed = rest.with("Prefer", "tx=commit").delete("/prefer_items?rank=eq.1");
        assertThat(committed.status()).isEqualTo(204);
        assertThat(committed.header("Preference-Applied")).isEqualTo("tx=commit");
        assertThat(names()).containsExactly("item 2");
    }

    @Test
    void txPreferenceNeedsTheServerSettingToAllowIt() {
        // atelier.rest.tx-end=commit (the default): tx= is ignored, and is not an invalid preference.
        Preferences p = Preferences.parse(
                Collections.enumeration(List.of("handling=strict, tx=rollback")), false, zone -> false);
        p.rejectInvalidIfStrict();
        assertThat(p.tx()).isNull();
        assertThat(TxEnd.parse("commit").rollsBack(p)).isFalse();
        assertThat(TxEnd.parse("rollback").rollsBack(p)).isTrue();

        Preferences commit = Preferences.parse(Collections.enumeration(List.of("tx=commit")), true, zone -> false);
        assertThat(TxEnd.parse("rollback-allow-override").rollsBack(commit)).isFalse();
        assertThat(TxEnd.parse("rollback-allow-override").rollsBack(Preferences.NONE))
                .isTrue();
        Preferences rollback = Preferences.parse(Collections.enumeration(List.of("tx=rollback")), true, zone -> false);
        assertThat(TxEnd.parse("commit-allow-override").rollsBack(rollback)).isTrue();
        assertThatThrownBy(() -> TxEnd.parse("sometimes")).isInstanceOf(IllegalArgumentException.class);
    }

    // --- count on /rpc and count=estimated ------------------------------------------------------

    @Test
    void functionsReturningSetsAreCounted() {
        items(3);
        Rest exact = rest.with("Prefer", "count=exact");
        Rest.Response scalars = exact.post("/rpc/prefer_item_ranks", "{\"below\":10}");
        assertThat(scalars.status()).isEqualTo(200);
        assertThat(scalars.json().toString()).isEqualTo("[1,2,3]");
        assertThat(scalars.header("Content-Range")).isEqualTo("0-2/3");
        assertThat(scalars.header("Preference-Applied")).isEqualTo("count=exact");

        Rest.Response page = exact.post("/rpc/prefer_item_ranks?limit=2", "{\"below\":10}");
        assertThat(page.status()).isEqualTo(206);
        assertThat(page.header("Content-Range")).isEqualTo("0-1/3");

        Rest.Response rows = exact.post("/rpc/prefer_items_ranked?select=name&limit=1", "{\"below\":10}");
        assertThat(rows.status()).isEqualTo(206);
        assertThat(rows.header("Content-Range")).isEqualTo("0-0/3");

        Rest.Response estimated =
                rest.with("Prefer", "count=estimated").post("/rpc/prefer_items_ranked?select=name", "{\"below\":3}");
        assertThat(estimated.status()).isEqualTo(200);
        assertThat(estimated.header("Content-Range")).isEqualTo("0-1/2");
        assertThat(estimated.header("Preference-Applied")).isEqualTo("count=estimated");

        Rest.Response read = exact.get("/rpc/prefer_item_ranks?below=3");
        assertThat(read.header("Content-Range")).isEqualTo("0-1/2");

        Rest.Response scalar = exact.get("/rpc/plus?a=1&b=2");
        assertThat(scalar.status()).isEqualTo(200);
        assertThat(scalar.header("Content-Range")).isEqualTo("0-0/1");

        Rest.Response uncounted = rest.post("/rpc/prefer_item_ranks", "{\"below\":10}");
        assertThat(uncounted.header("Content-Range")).isEqualTo("0-2/*");
    }

    @Test
    void estimatedCountIsExactUpToMaxRowsAndThePlannersBeyond() {
        items(3);
        Rest estimated = rest.with("Prefer", "count=estimated");
        Rest.Response few = estimated.get("/prefer_items?select=name");
        assertThat(few.status()).isEqualTo(200);
        assertThat(few.header("Content-Range")).as("exact under db-max-rows").isEqualTo("0-2/3");
        assertThat(few.header("Preference-Applied")).isEqualTo("count=estimated");

        List<Map<String, Object>> many = new ArrayList<>();
        for (int i = 0; i < 1_050; i++) {
            many.add(item("bulk", 100 + i));
        }
        assertThat(rest.post("/prefer_items", Rest.json(many)).status()).isEqualTo(201);
        Rest.Response past = estimated.get("/prefer_items?select=name&limit=5");
        assertThat(past.status()).isEqualTo(206);
        String total = past.header("Content-Range").substring("0-4/".length());
        // Past db-max-rows (1000 here): the larger of 1001 (counted so far) and the planner's estimate.
        assertThat(Long.parseLong(total)).isGreaterThanOrEqualTo(1001);
        Rest.Response exact = rest.with("Prefer", "count=exact").get("/prefer_items?select=name&limit=5");
        assertThat(exact.header("Content-Range")).isEqualTo("0-4/1053");
    }

    // --- missing=default --------------------------------------------------------------------------

    @Test
    void missingDefaultFillsIdentityGeneratedAndDefaultColumns() {
        List<Map<String, Object>> rows = new ArrayList<>();
        rows.add(new LinkedHashMap<>(Map.of("user_id", user.id().toString(), "name", "abc")));
        rows.add(new LinkedHashMap<>(
                Map.of("user_id", user.id().toString(), "name", "de", "label", "chosen", "seq", 500)));
        Rest.Response r = rest.with("Prefer", "missing=default, return=representation")
                .post(
                        "/prefer_defaults?columns=id,seq,user_id,name,label,name_length&select=seq,name,label,name_length,id&order=name",
                        Rest.json(rows));
        assertThat(r.status()).as(r.body()).isEqualTo(201);
        assertThat(r.header("Preference-Applied")).isEqualTo("missing=default, return=representation");
        JsonNode first = r.json().get(0);
        JsonNode second = r.json().get(1);
        assertThat(first.get("id").isIntegralNumber()).as("identity ALWAYS").isTrue();
        assertThat(first.get("seq").isIntegralNumber())
                .as("identity BY DEFAULT")
                .isTrue();
        assertThat(first.get("label").asText()).isEqualTo("unlabelled");
        assertThat(first.get("name_length").asInt()).as("generated").isEqualTo(3);
        assertThat(second.get("seq").asInt()).isEqualTo(500);
        assertThat(second.get("label").asText()).isEqualTo("chosen");
        assertThat(second.get("name_length").asInt()).isEqualTo(2);

        // Without missing=default a missing key is NULL, as PostgREST: the NOT NULL label refuses it.
        Rest.Response nulls = rest.post(
                "/prefer_defaults?columns=user_id,name,label",
                Rest.json(List.of(Map.of("user_id", user.id().toString(), "name", "x"))));
        assertThat(nulls.status()).isEqualTo(400);
        assertThat(nulls.json().get("code").asText()).isEqualTo("23502");
    }

    // --- upsert statuses --------------------------------------------------------------------------

    @Test
    void upsertAnswers200WhenEveryRowWasUpdatedAnd201WhenOneWasInserted() {
        Rest merge = rest.with("Prefer", "resolution=merge-duplicates, return=representation");
        Map<String, Object> row = item("first", 1);
        Rest.Response created = merge.post("/prefer_items", Rest.json(row));
        assertThat(created.status()).isEqualTo(201);

        row.put("name", "updated");
        Rest.Response updated = merge.post("/prefer_items", Rest.json(row));
        assertThat(updated.status()).isEqualTo(200);
        assertThat(updated.json().get(0).get("name").asText()).isEqualTo("updated");
        assertThat(updated.header("Preference-Applied"))
                .isEqualTo("resolution=merge-duplicates, return=representation");

        row.put("name", "again");
        Rest.Response mixed = merge.post("/prefer_items", Rest.json(List.of(row, item("second", 2))));
        assertThat(mixed.status()).isEqualTo(201);
        assertThat(mixed.json()).hasSize(2);

        row.put("name", "quietly");
        Rest.Response minimal =
                rest.with("Prefer", "resolution=merge-duplicates").post("/prefer_items", Rest.json(row));
        assertThat(minimal.status()).isEqualTo(200);
        assertThat(minimal.body()).isEmpty();
        assertThat(names()).containsExactly("quietly", "second");

        Rest.Response ignored =
                rest.with("Prefer", "resolution=ignore-duplicates").post("/prefer_items", Rest.json(row));
        assertThat(ignored.status()).isEqualTo(201);

        Map<String, Object> put = item("put", 3);
        String path = "/prefer_items?id=eq." + put.get("id");
        Rest representation = rest.with("Prefer", "return=representation");
        assertThat(representation.put(path, Rest.json(put)).status()).isEqualTo(201);
        put.put("name", "put again");
        Rest.Response replaced = representation.put(path, Rest.json(put));
        assertThat(replaced.status()).isEqualTo(200);
        assertThat(replaced.json().get(0).get("name").asText()).isEqualTo("put again");
        assertThat(rest.put(path, Rest.json(put)).status()).isEqualTo(204);
    }

    // --- timezone -----------------------------------------------------------------------------------

    @Test
    void timezoneSetsTheZoneOfTimestampsForThisRequestOnly() {
        Map<String, Object> row = item("dated", 1);
        row.put("at", "2023-10-18T12:37:59.611Z");
        assertThat(rest.post("/prefer_items", Rest.json(row)).status()).isEqualTo(201);
        String path = "/prefer_items?select=at&id=eq." + row.get("id");

        Rest.Response la = rest.with("Prefer", "handling=strict, timezone=America/Los_Angeles")
                .get(path);
        assertThat(la.status()).isEqualTo(200);
        assertThat(la.json().get(0).get("at").asText()).isEqualTo("2023-10-18T05:37:59.611-07:00");
        assertThat(la.header("Preference-Applied")).isEqualTo("handling=strict, timezone=America/Los_Angeles");

        Rest.Response written = rest.with("Prefer", "timezone=Asia/Kolkata, return=representation")
                .patch(path, "{\"rank\":2}");
        assertThat(written.json().get(0).get("at").asText()).isEqualTo("2023-10-18T18:07:59.611+05:30");
        assertThat(written.header("Preference-Applied")).isEqualTo("return=representation, timezone=Asia/Kolkata");

        String plain = rest.get(path).json().get(0).get("at").asText();
        assertThat(plain)
                .as("the zone was the request's only")
                .doesNotEndWith("-07:00")
                .doesNotEndWith("+05:30");

        Rest.Response invalid = rest.with("Prefer", "timezone=Invalid/Timezone").get(path);
        assertThat(invalid.status()).isEqualTo(200);
        assertThat(invalid.json().get(0).get("at").asText()).isEqualTo(plain);
        assertThat(invalid.header("Preference-Applied")).isNull();

        assertError(
                rest.with("Prefer", "handling=strict, timezone=Invalid/Timezone")
                        .get(path),
                400,
                "PGRST122",
                "Invalid preferences given with handling=strict",
                "Invalid preferences: timezone=Invalid/Timezone");
        // A name is taken as PostgreSQL spells it, never as SQL.
        assertThat(rest.with("Prefer", "timezone=UTC'; drop table x; --")
                        .get(path)
                        .status())
                .isEqualTo(200);
    }
}
