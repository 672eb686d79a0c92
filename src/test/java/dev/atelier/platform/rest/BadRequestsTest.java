package dev.atelier.platform.rest;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.atelier.testing.Rest;
import dev.atelier.testing.TestServer;
import dev.atelier.testing.TestServer.TestUser;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Client mistakes, one per case: each must be answered with a 4xx carrying PostgREST's error JSON
 * ({@code code, message, details, hint}) and the status and code PostgREST would give, never a 5xx.
 */
class BadRequestsTest {

    private static TestUser user;
    private static String characterId;

    /** A mistake: how to send it, and the status and code it must get. */
    record Case(String name, Function<Clients, Rest.Response> send, int status, String code) {
        @Override
        public String toString() {
            return name;
        }
    }

    /** The callers a case may use. */
    record Clients(Rest user, Rest anon, Rest service) {}

    @BeforeAll
    static void seed() {
        user = TestServer.get().newUser();
        Rest.Response r = Fixtures.as(user.accessToken())
                .with("Prefer", "return=representation")
                .post("/characters", character("Ayla"));
        assertThat(r.status()).isEqualTo(201);
        characterId = r.json().get(0).get("id").asText();
        assertThat(Fixtures.as(user.accessToken())
                        .post("/characters", character("Bram"))
                        .status())
                .isEqualTo(201);
    }

    private static String character(String name) {
        return Rest.json(Fixtures.character(user.id(), name, "brave", "kind"));
    }

    private static Case c(String name, int status, String code, Function<Clients, Rest.Response> send) {
        return new Case(name, send, status, code);
    }

    static Stream<Case> mistakes() {
        List<Case> cases = new ArrayList<>();
        // Bodies
        cases.add(
                c("malformed JSON body", 400, "PGRST102", x -> x.user().post("/characters", "{\"name\": \"Broken\"")));
        cases.add(c("empty body on insert", 400, "PGRST102", x -> x.user().post("/characters", "")));
        cases.add(c(
                "array whose objects have different keys",
                400,
                "PGRST102",
                x -> x.user().post("/characters", "[{\"name\":\"a\"},{\"title\":\"b\"}]")));
        cases.add(c("scalar JSON body", 400, "PGRST102", x -> x.user().post("/characters", "42")));
        cases.add(c(
                "array holding a non-object",
                400,
                "PGRST102",
                x -> x.user().post("/characters", "[{\"name\":\"a\"}, 1]")));
        cases.add(c(
                "JSON nested beyond the parser's limit",
                400,
                "PGRST102",
                x -> x.user().post("/characters", "{\"visual_profile\":" + "[".repeat(5000) + "]".repeat(5000) + "}")));
        cases.add(c(
                "PATCH with an array body",
                400,
                "PGRST102",
                x -> x.user().patch("/characters?id=eq." + characterId, "[{\"name\":\"x\"}]")));
        cases.add(c(
                "body over the size limit",
                413,
                "PGRST102",
                x -> x.user().post("/characters", "{\"name\":\"" + "x".repeat(1_100_000) + "\"}")));
        cases.add(c(
                "non-JSON Content-Type on a write",
                400,
                "PGRST102",
                x -> x.user().with("Content-Type", "text/plain").post("/characters", "name=Ayla")));
        cases.add(c(
                "NUL escaped inside a JSON string",
                400,
                "22P05",
                x -> x.user().post("/characters", character("A\\u0000B").replace("A\\\\u0000B", "A\\u0000B"))));
        // Resources and methods
        cases.add(c("unknown table on GET", 404, "PGRST205", x -> x.user().get("/no_such_table")));
        cases.add(c("unknown table on POST", 404, "PGRST205", x -> x.user().post("/characterz", "{}")));
        cases.add(c("path below a table", 404, "PGRST125", x -> x.user().get("/characters/" + characterId)));
        cases.add(c("unsupported HTTP method", 405, "PGRST117", x -> x.user().send("PURGE", "/characters", null)));
        cases.add(c("POST on the schema root", 405, "PGRST117", x -> x.user().post("/", "{}")));
        cases.add(c("PATCH on a function", 405, "PGRST101", x -> x.user().patch("/rpc/plus", "{}")));
        cases.add(c("unknown function", 404, "PGRST202", x -> x.user().post("/rpc/no_such_function", "{}")));
        cases.add(c("unknown function argument", 404, "PGRST202", x -> x.user().post("/rpc/plus", "{\"z\":1}")));
        cases.add(c(
                "missing required function argument",
                404,
                "PGRST202",
                x -> x.user().post("/rpc/plus", "{\"b\":1}")));
        cases.add(c("malformed JSON arguments", 400, "PGRST102", x -> x.user().post("/rpc/plus", "{\"a\":")));
        cases.add(c("argument of the wrong type", 400, "22P02", x -> x.user().post("/rpc/plus", "{\"a\":\"one\"}")));
        // Columns
        cases.add(c("unknown column in select", 400, "42703", x -> x.user().get("/characters?select=no_such_column")));
        cases.add(c("unknown column in a filter", 400, "42703", x -> x.user().get("/characters?no_such_column=eq.1")));
        cases.add(
                c("unknown column in order", 400, "42703", x -> x.user().get("/characters?order=no_such_column.desc")));
        cases.add(c(
                "unknown column in an embedding",
                400,
                "42703",
                x -> x.user().get("/characters?select=name,tales(nope)")));
        cases.add(c("unknown column in or()", 400, "42703", x -> x.user().get("/characters?or=(nope.eq.1,name.eq.x)")));
        cases.add(c(
                "unknown column in the payload",
                400,
                "PGRST204",
                x -> x.user().post("/characters", character("X").replace("{", "{\"superpower\":\"flight\","))));
        cases.add(c(
                "unknown column in columns=",
                400,
                "PGRST204",
                x -> x.user().post("/characters?columns=name,nope", character("X"))));
        cases.add(c(
                "unknown on_conflict column",
                400,
                "42703",
                x -> x.user()
                        .with("Prefer", "resolution=merge-duplicates")
                        .post("/characters?on_conflict=nope", character("X"))));
        cases.add(
                c("cast to an unknown type", 400, "42704", x -> x.user().get("/characters?select=name::no_such_type")));
        // Filters
        cases.add(c("unknown operator", 400, "PGRST100", x -> x.user().get("/characters?name=resembles.Ayla")));
        cases.add(c("filter without an operator", 400, "PGRST100", x -> x.user().get("/characters?name=Ayla")));
        cases.add(c(
                "operator without a value delimiter",
                400,
                "PGRST100",
                x -> x.user().get("/characters?name=eq")));
        cases.add(c("bad uuid value", 400, "22P02", x -> x.user().get("/characters?id=eq.not-a-uuid")));
        cases.add(c("bad integer value", 400, "22P02", x -> x.user().get("/tales?play_count=gt.many")));
        cases.add(c("integer out of range", 400, "22003", x -> x.user().get("/tales?play_count=eq.99999999999")));
        cases.add(c("bad timestamp value", 400, "22007", x -> x.user().get("/characters?created_at=lt.yesterday-ish")));
        cases.add(c("bad boolean value", 400, "22P02", x -> x.user().get("/characters?is_active=eq.perhaps")));
        cases.add(c("bad array literal", 400, "22P02", x -> x.user().get("/events?keywords=cs.{unclosed")));
        cases.add(c(
                "bad JSON for a jsonb containment",
                400,
                "22P02",
                x -> x.user().get("/characters?visual_profile=cs.{nope")));
        cases.add(
                c("in list without parentheses", 400, "PGRST100", x -> x.user().get("/characters?name=in.Ayla,Bram")));
        cases.add(c("unclosed in list", 400, "PGRST100", x -> x.user().get("/characters?name=in.(Ayla,Bram")));
        cases.add(c("in list of bad uuids", 400, "22P02", x -> x.user().get("/characters?id=in.(1,2)")));
        cases.add(c("is with a non-trilean", 400, "PGRST100", x -> x.user().get("/characters?appearance=is.maybe")));
        cases.add(c("invalid regular expression", 400, "2201B", x -> x.user().get("/characters?name=match.(")));
        cases.add(c(
                "unknown text search configuration",
                400,
                "42704",
                x -> x.user().get("/characters?name=fts(klingon).x")));
        cases.add(c("JSON arrow on a text column", 404, "42883", x -> x.user().get("/characters?name->>x=eq.1")));
        cases.add(c("NUL byte in a filter value", 400, "22021", x -> x.user().get("/characters?name=eq.%00")));
        // or / and
        cases.add(
                c("unbalanced or()", 400, "PGRST100", x -> x.user().get("/characters?or=(name.eq.Ayla,name.eq.Bram")));
        cases.add(c("or without parentheses", 400, "PGRST100", x -> x.user().get("/characters?or=name.eq.Ayla")));
        cases.add(c("empty or()", 400, "PGRST100", x -> x.user().get("/characters?or=()")));
        cases.add(c(
                "unknown logic operator inside or()",
                400,
                "PGRST100",
                x -> x.user().get("/characters?or=(name.eq.Ayla,xor(name.eq.a,name.eq.b))")));
        cases.add(c(
                "logic nested beyond the cap",
                400,
                "PGRST100",
                x -> x.user().get("/characters?or=(" + "and(".repeat(40) + "name.eq.a" + ")".repeat(40) + ")")));
        // select / order / embedding
        cases.add(c(
                "unclosed embedding in select",
                400,
                "PGRST100",
                x -> x.user().get("/characters?select=name,tales(title")));
        cases.add(c("stray character in select", 400, "PGRST100", x -> x.user().get("/characters?select=name[]")));
        cases.add(c(
                "aggregate in a to-many spread",
                400,
                "PGRST127",
                x -> x.user().get("/characters?select=name,...tales(play_count.sum())")));
        cases.add(c("unknown order direction", 400, "PGRST100", x -> x.user().get("/characters?order=name.sideways")));
        cases.add(c(
                "embedding without a relationship",
                400,
                "PGRST200",
                x -> x.user().get("/characters?select=*,events(title)")));
        cases.add(c(
                "embedding with an unknown hint",
                400,
                "PGRST200",
                x -> x.user().get("/tales?select=*,characters!nope(name)")));
        cases.add(c(
                "filter on a resource that is not embedded",
                400,
                "PGRST108",
                x -> x.user().get("/characters?tales.title=eq.x")));
        cases.add(c(
                "non-null filter on an embedding",
                400,
                "PGRST120",
                x -> x.user().get("/characters?select=name,tales(title)&tales=eq.1")));
        cases.add(c(
                "order by a to-many embedding",
                400,
                "PGRST118",
                x -> x.user().get("/characters?select=name,tales(title)&order=tales(title)")));
        // Ranges
        cases.add(c(
                "Range with lower above upper",
                416,
                "PGRST103",
                x -> x.user().with("Range", "5-2").get("/characters")));
        cases.add(c("negative limit", 416, "PGRST103", x -> x.user().get("/characters?limit=-1")));
        cases.add(c("non-numeric limit", 400, "PGRST100", x -> x.user().get("/characters?limit=ten")));
        cases.add(c("limit past a long", 400, "PGRST100", x -> x.user().get("/characters?limit=99999999999999999999")));
        cases.add(c("negative offset", 400, "PGRST100", x -> x.user().get("/characters?offset=-5")));
        cases.add(c(
                "offset past the counted rows",
                416,
                "PGRST103",
                x -> x.user().with("Prefer", "count=exact").get("/characters?offset=100")));
        cases.add(c(
                "limit on PUT",
                400,
                "PGRST114",
                x -> x.user().put("/characters?id=eq." + characterId + "&limit=1", character("X"))));
        // PUT
        cases.add(c(
                "PUT filtered by a non-key column",
                405,
                "PGRST105",
                x -> x.user().put("/characters?name=eq.Ayla", character("X"))));
        cases.add(c(
                "PUT whose body key differs from the URL",
                400,
                "PGRST115",
                x -> x.user()
                        .put(
                                "/characters?id=eq." + UUID.randomUUID(),
                                character("X").replace("{", "{\"id\":\"" + UUID.randomUUID() + "\","))));
        // Headers
        cases.add(c(
                "unknown preference with handling=strict",
                400,
                "PGRST122",
                x -> x.user()
                        .with("Prefer", "handling=strict, return=everything")
                        .get("/characters")));
        cases.add(c(
                "unknown Accept-Profile",
                406,
                "PGRST106",
                x -> x.user().with("Accept-Profile", "nope").get("/characters")));
        cases.add(c(
                "unknown Content-Profile",
                406,
                "PGRST106",
                x -> x.user().with("Content-Profile", "nope").post("/characters", character("X"))));
        cases.add(c(
                "unavailable Accept type",
                406,
                "PGRST107",
                x -> x.user().with("Accept", "application/xml").get("/characters")));
        cases.add(c(
                "single object over several rows",
                406,
                "PGRST116",
                x -> x.user()
                        .with("Accept", "application/vnd.pgrst.object+json")
                        .get("/characters")));
        // Authentication and authorization
        cases.add(c(
                "forged JWT",
                401,
                "PGRST301",
                x -> Fixtures.as(Fixtures.forgedToken("service_role")).get("/characters")));
        cases.add(c(
                "expired JWT",
                401,
                "PGRST303",
                x -> Fixtures.as(Fixtures.token("authenticated", Instant.now().minusSeconds(5)))
                        .get("/characters")));
        cases.add(c(
                "garbage bearer token",
                401,
                "PGRST301",
                x -> Fixtures.as("not.a.jwt").get("/characters")));
        cases.add(c(
                "Authorization that is not Bearer",
                401,
                "PGRST301",
                x -> x.anon().with("Authorization", "Basic dXNlcjpwYXNz").get("/characters")));
        cases.add(c(
                "JWT with an unknown role",
                401,
                "PGRST301",
                x -> Fixtures.as(Fixtures.token("postgres", Instant.now().plusSeconds(60)))
                        .get("/characters")));
        cases.add(c(
                "anonymous read of a closed table", 401, "42501", x -> x.anon().get("/characters")));
        cases.add(c(
                "user read of a service-only table", 403, "42501", x -> x.user().get("/vault_entries")));
        cases.add(c(
                "user call of a service-only function",
                403,
                "42501",
                x -> x.user().post("/rpc/purge_expired_vault", "{}")));
        cases.add(c(
                "insert for another user",
                403,
                "42501",
                x -> x.user()
                        .post(
                                "/characters",
                                Rest.json(Fixtures.character(UUID.randomUUID(), "Impostor", "brave", "kind")))));
        // Constraints
        cases.add(c(
                "duplicate primary key",
                409,
                "23505",
                x -> x.user().post("/characters", character("Dup").replace("{", "{\"id\":\"" + characterId + "\","))));
        cases.add(c(
                "check constraint",
                400,
                "23514",
                x -> x.user().post("/characters", character("").replace("brave", "kind"))));
        cases.add(c(
                "not-null constraint",
                400,
                "23502",
                x -> x.user().patch("/characters?id=eq." + characterId, "{\"name\":null}")));
        cases.add(c(
                "foreign key to nothing",
                409,
                "23503",
                x -> x.user()
                        .post(
                                "/tales",
                                Rest.json(Fixtures.tale(
                                        user.id(), UUID.randomUUID().toString(), "T", "c")))));
        cases.add(c(
                "write through GET-only function call",
                405,
                "25006",
                x -> x.user().get("/rpc/touch")));
        return cases.stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("mistakes")
    void isAnsweredWithA4xxInPostgrestsErrorShape(Case mistake) {
        Rest.Response r =
                mistake.send().apply(new Clients(Fixtures.as(user.accessToken()), Fixtures.anon(), Fixtures.service()));
        assertThat(r.status()).as(mistake.name() + ": " + r).isBetween(400, 499);
        assertThat(r.status()).as(mistake.name() + ": " + r).isEqualTo(mistake.status());
        assertThat(r.header("Content-Type")).as(mistake.name()).startsWith("application/json");
        JsonNode json = r.json();
        List<String> keys = new ArrayList<>();
        json.fieldNames().forEachRemaining(keys::add);
        assertThat(keys).as(mistake.name()).containsExactlyInAnyOrder("code", "message", "details", "hint");
        assertThat(json.get("code").asText()).as(mistake.name() + ": " + r).isEqualTo(mistake.code());
        assertThat(json.get("message").asText()).as(mistake.name()).isNotBlank();
    }

    @Test
    void coversAtLeastFiftyDistinctMistakes() {
        List<Case> all = mistakes().toList();
        assertThat(all).hasSizeGreaterThanOrEqualTo(50);
        assertThat(all.stream().map(Case::name).distinct().count()).isEqualTo(all.size());
    }

    @Test
    void leavesNothingHalfWritten() {
        Rest rest = Fixtures.as(user.accessToken());
        int before = rest.get("/characters?select=id").json().size();
        Rest.Response r = rest.post(
                "/characters", "[" + character("Good") + "," + character("Bad").replace("\"kind\"", "\"brave\"") + "]");
        assertThat(r.status()).isEqualTo(400);
        assertThat(rest.get("/characters?select=id").json().size()).isEqualTo(before);
    }
}
