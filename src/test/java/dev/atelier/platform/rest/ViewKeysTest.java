package dev.atelier.platform.rest;

import static dev.atelier.platform.rest.Fixtures.assertBody;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.atelier.platform.rest.Catalog.Cardinality;
import dev.atelier.platform.rest.Catalog.Relationship;
import dev.atelier.platform.rest.Catalog.Table;
import dev.atelier.testing.OwnerSql;
import dev.atelier.testing.Rest;
import dev.atelier.testing.TestServer;
import dev.atelier.testing.TestServer.TestUser;
import java.sql.Connection;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Views get the primary (and unique) keys of the base tables they show whole, as PostgREST derives
 * them, so one-to-one embeds, many-to-many through a view junction, upserts and PUT work on views as
 * on their tables (test migrations V50–V51 over V20's books and authors).
 */
class ViewKeysTest {

    private static Catalog catalog;
    private static Rest rest;
    private static Rest stranger;

    @BeforeAll
    static void load() throws Exception {
        TestServer.get();
        try (Connection c = OwnerSql.owner()) {
            catalog = CatalogLoader.load(c, List.of(Fixtures.SCHEMA));
        }
        TestUser user = TestServer.get().newUser();
        TestUser other = TestServer.get().newUser();
        rest = Fixtures.as(user.accessToken());
        stranger = Fixtures.as(other.accessToken());
    }

    private static Table table(String name) {
        return Objects.requireNonNull(catalog.table(Fixtures.SCHEMA, name), name);
    }

    // ---- the keys --------------------------------------------------------------------------------

    @Test
    void aViewShowingAllOfAKeyHasItUnderItsOwnColumnNames() {
        assertThat(table("rel_book_tags").primaryKey()).containsExactly("book_id", "tag_id");
        assertThat(table("rel_author_bios").primaryKey()).containsExactly("writer");
        assertThat(table("rel_pins").primaryKey()).containsExactly("pin");
        // Views on views: traced down to the table.
        assertThat(table("rel_bio_lines").primaryKey()).containsExactly("author");
        assertThat(table("rel_pin_labels").primaryKey()).containsExactly("pin_no");
        // A join showing both tables' keys has both, in constraint-name order (rel_authors_pkey first).
        assertThat(table("rel_book_authors").primaryKey()).containsExactly("author", "book");
        // Escaped names through a subquery (V20).
        assertThat(table("rel_odd_cards").primaryKey()).containsExactly("odd (name) {1}");
        // A unique constraint shown whole is a unique key of the view, even where the primary key is hidden.
        assertThat(table("rel_author_seats").uniqueKeys()).containsExactly(Set.of("author_id"));
    }

    @Test
    void aViewHidingAKeyColumnOrAUnionHasNoKey() {
        assertThat(table("rel_author_seats").primaryKey()).isEmpty();
        assertThat(table("rel_pin_drafts").primaryKey()).isEmpty();
        assertThat(table("rel_pin_drafts").uniqueKeys()).isEmpty();
        assertThat(table("rel_book_titles").primaryKey()).as("shows no id").isEmpty();
        assertThat(table("rel_everyone").primaryKey()).as("a UNION").isEmpty();
        // Tables keep theirs.
        assertThat(table("rel_books").primaryKey()).containsExactly("id");
    }

    @Test
    void relationshipsOfViewsTakeTheirCardinalityFromTheKeys() {
        Map<String, Cardinality> fromAuthors = new java.util.HashMap<>();
        for (Relationship r : catalog.relationshipsFrom(table("rel_authors"))) {
            fromAuthors.putIfAbsent(r.target().name(), r.cardinality());
        }
        assertThat(fromAuthors)
                .containsEntry("rel_author_bios", Cardinality.ONE_TO_ONE)
                .containsEntry("rel_bio_lines", Cardinality.ONE_TO_ONE)
                .containsEntry("rel_author_seats", Cardinality.ONE_TO_ONE)
                .containsEntry("rel_book_cards", Cardinality.ONE_TO_MANY);
        List<Relationship> toTags = catalog.relationshipsFrom(table("rel_books")).stream()
                .filter(r -> r.target().name().equals("rel_tags"))
                .toList();
        assertThat(toTags).hasSize(1);
        assertThat(toTags.get(0).cardinality()).isEqualTo(Cardinality.MANY_TO_MANY);
        assertThat(Objects.requireNonNull(toTags.get(0).junction()).table().name())
                .isEqualTo("rel_book_tags");
        // One constraint seen at a table and at a view over it never pairs with itself.
        assertThat(catalog.relationshipsFrom(table("rel_books")).stream()
                        .filter(r -> r.cardinality() == Cardinality.MANY_TO_MANY)
                        .map(r -> r.target().name()))
                .containsExactly("rel_tags");
    }

    // ---- one-to-one ------------------------------------------------------------------------------

    @Test
    void aForeignKeyThatIsTheViewsKeyEmbedsAnObject() {
        Rest anon = Fixtures.anon();
        // table -> view: the bio is an object (a foreign key that is the bios' primary key), null when none
        assertBody(
                anon.get("/rel_authors?select=name,rel_author_bios(bio)&order=id"),
                200,
                "[{\"name\":\"Ursula\",\"rel_author_bios\":{\"bio\":\"Wrote of Earthsea\"}},"
                        + "{\"name\":\"Terry\",\"rel_author_bios\":{\"bio\":\"Wrote of the Disc\"}},"
                        + "{\"name\":\"Neil\",\"rel_author_bios\":null}]");
        // view -> table, view -> view, and a view on the view
        assertBody(
                anon.get("/rel_author_bios?select=bio,rel_authors(name),rel_author_names(shout)&writer=eq.2"),
                200,
                "[{\"bio\":\"Wrote of the Disc\",\"rel_authors\":{\"name\":\"Terry\"},"
                        + "\"rel_author_names\":{\"shout\":\"TERRY\"}}]");
        assertBody(
                anon.get("/rel_author_names?select=name,rel_bio_lines(line)&author_id=eq.1"),
                200,
                "[{\"name\":\"Ursula\",\"rel_bio_lines\":{\"line\":\"Wrote of Earthsea\"}}]");
        // A unique key of the table, its primary key hidden by the view.
        assertBody(
                anon.get("/rel_authors?select=name,rel_author_seats(seat)&order=id"),
                200,
                "[{\"name\":\"Ursula\",\"rel_author_seats\":{\"seat\":\"A1\"}},"
                        + "{\"name\":\"Terry\",\"rel_author_seats\":null},"
                        + "{\"name\":\"Neil\",\"rel_author_seats\":{\"seat\":\"C3\"}}]");
        // To-one: spread works as on a table.
        assertBody(
                anon.get("/rel_authors?select=name,...rel_author_bios(bio)&id=eq.1"),
                200,
                "[{\"name\":\"Ursula\",\"bio\":\"Wrote of Earthsea\"}]");
    }

    // ---- many-to-many ----------------------------------------------------------------------------

    @Test
    void aViewOfAHiddenJunctionJoinsManyToMany() {
        Rest anon = Fixtures.anon();
        assertBody(
                anon.get("/rel_books?select=title,rel_tags(name)&order=id&rel_tags.order=id"),
                200,
                "[{\"title\":\"Earthsea\",\"rel_tags\":[{\"name\":\"fantasy\"}]},"
                        + "{\"title\":\"The Dispossessed\",\"rel_tags\":[{\"name\":\"utopia\"}]},"
                        + "{\"title\":\"Mort\",\"rel_tags\":[{\"name\":\"fantasy\"},{\"name\":\"satire\"}]},"
                        + "{\"title\":\"Good Omens\",\"rel_tags\":[{\"name\":\"satire\"}]}]");
        assertBody(
                anon.get("/rel_tags?select=name,rel_books(title)&id=eq.2&rel_books.order=id"),
                200,
                "[{\"name\":\"satire\",\"rel_books\":[{\"title\":\"Mort\"},{\"title\":\"Good Omens\"}]}]");
        // The junction's name as the hint; !inner with a filter on the far side.
        assertBody(
                anon.get("/rel_tags?select=name,rel_books!rel_book_tags(title)&id=eq.3"),
                200,
                "[{\"name\":\"utopia\",\"rel_books\":[{\"title\":\"The Dispossessed\"}]}]");
        assertBody(
                anon.get("/rel_books?select=title,rel_tags!inner(name)&rel_tags.name=eq.utopia"),
                200,
                "[{\"title\":\"The Dispossessed\",\"rel_tags\":[{\"name\":\"utopia\"}]}]");
        // A view at the end too: rel_book_cards shows the books' key.
        assertBody(
                anon.get("/rel_book_cards?select=title,rel_tags(name)&id=eq.4"),
                200,
                "[{\"title\":\"Good Omens\",\"rel_tags\":[{\"name\":\"satire\"}]}]");
    }

    // ---- writes ----------------------------------------------------------------------------------

    @Test
    void mergeDuplicatesOnAViewUsesItsKeyAsTheConflictTarget() {
        Rest merge = rest.with("Prefer", "resolution=merge-duplicates, return=representation");
        String pin = UUID.randomUUID().toString();
        Rest.Response created =
                merge.post("/rel_pins?select=pin,label", Rest.json(Map.of("pin", pin, "label", "first")));
        assertBody(created, 201, "[{\"pin\":\"" + pin + "\",\"label\":\"first\"}]");
        assertThat(created.header("Preference-Applied"))
                .isEqualTo("resolution=merge-duplicates, return=representation");
        assertBody(
                merge.post("/rel_pins?select=pin,label", Rest.json(Map.of("pin", pin, "label", "second"))),
                200,
                "[{\"pin\":\"" + pin + "\",\"label\":\"second\"}]");
        // ignore-duplicates keeps the row; a view on the view merges through both.
        assertBody(
                rest.with("Prefer", "resolution=ignore-duplicates, return=representation")
                        .post("/rel_pins?select=label", Rest.json(Map.of("pin", pin, "label", "ignored"))),
                201,
                "[]");
        assertBody(
                merge.post("/rel_pin_labels", Rest.json(Map.of("pin_no", pin, "label", "third"))),
                200,
                "[{\"pin_no\":\"" + pin + "\",\"label\":\"third\"}]");
        assertBody(rest.get("/rel_pins?select=label&pin=eq." + pin), 200, "[{\"label\":\"third\"}]");
        // Another user's upsert of the same key meets the row policy, not the row.
        Rest.Response taken = stranger.with("Prefer", "resolution=merge-duplicates")
                .post("/rel_pins", Rest.json(Map.of("pin", pin, "label", "taken")));
        assertThat(taken.status()).as(taken.body()).isEqualTo(403);
        assertThat(taken.json().get("code").asText()).isEqualTo("42501");
        assertBody(rest.get("/rel_pins?select=label&pin=eq." + pin), 200, "[{\"label\":\"third\"}]");
    }

    @Test
    void putOnAViewNeedsItsKeyAsOnATable() {
        Rest put = rest.with("Prefer", "return=representation");
        String pin = UUID.randomUUID().toString();
        assertBody(
                put.put("/rel_pins?select=pin,label&pin=eq." + pin, Rest.json(Map.of("pin", pin, "label", "new"))),
                201,
                "[{\"pin\":\"" + pin + "\",\"label\":\"new\"}]");
        assertBody(
                put.put("/rel_pin_labels?pin_no=eq." + pin, Rest.json(Map.of("pin_no", pin, "label", "again"))),
                200,
                "[{\"pin_no\":\"" + pin + "\",\"label\":\"again\"}]");
        Rest.Response keyless = put.put("/rel_pin_drafts?label=eq.x", Rest.json(Map.of("label", "x")));
        assertThat(keyless.status()).as(keyless.body()).isEqualTo(405);
        assertThat(keyless.json().get("code").asText()).isEqualTo("PGRST105");
    }

    @Test
    void withoutAKeyOrOnConflictAnUpsertIsAPlainInsert() {
        // PostgREST: no conflict target, no ON CONFLICT, and the resolution is not applied.
        Rest.Response draft = rest.with("Prefer", "resolution=merge-duplicates, return=representation")
                .post("/rel_pin_drafts", Rest.json(Map.of("label", "draft " + UUID.randomUUID())));
        assertThat(draft.status()).as(draft.body()).isEqualTo(201);
        assertThat(draft.header("Preference-Applied")).isEqualTo("return=representation");
        assertThat(draft.json().get(0).get("label").asText()).startsWith("draft ");
    }

    @Test
    void openApiMarksAViewsKeyColumns() {
        JsonNode definitions = rest.get("/").json().get("definitions");
        assertThat(definitions.at("/rel_pins/properties/pin/description").asText())
                .isEqualTo("Note:\nThis is a Primary Key.<pk/>");
        assertThat(definitions.at("/rel_pins/properties/label").has("description"))
                .isFalse();
        assertThat(definitions.at("/rel_pin_drafts/properties/label").has("description"))
                .isFalse();
    }
}
