package dev.atelier.platform.rest;

import static dev.atelier.platform.rest.Fixtures.assertBody;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.atelier.testing.Rest;
import dev.atelier.testing.TestServer;
import dev.atelier.testing.TestServer.TestUser;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * PostgREST's computed fields, computed relationships, relationships through views and
 * self-referencing embeds, over real HTTP on the fixture schema (V20–V22): the characters and
 * tales of two users under RLS, and seeded books, authors and a tree of nodes.
 */
class ComputedRelationshipsTest {

    private static Rest rest;
    private static Rest other;

    @BeforeAll
    static void seed() {
        TestUser user = TestServer.get().newUser();
        TestUser stranger = TestServer.get().newUser();
        rest = Fixtures.as(user.accessToken()).with("Prefer", "return=representation");
        other = Fixtures.as(stranger.accessToken()).with("Prefer", "return=representation");
        JsonNode characters = rest.post(
                        "/characters",
                        Rest.json(List.of(
                                Fixtures.character(user.id(), "Ayla", "brave", "kind"),
                                Fixtures.character(user.id(), "Bram", "wise", "kind"))))
                .json();
        String ayla = characters.get(0).get("id").asText();
        rest.post(
                "/tales",
                Rest.json(List.of(
                        withPlays(Fixtures.tale(user.id(), ayla, "Dragon", "d"), 3),
                        withPlays(Fixtures.tale(user.id(), ayla, "Moon", "m"), 7))));
        // The stranger's own character named Ayla: RLS keeps it out of the user's answers and back.
        other.post("/characters", Rest.json(Fixtures.character(stranger.id(), "Ayla", "brave", "shy")));
    }

    private static Map<String, Object> withPlays(Map<String, Object> tale, int plays) {
        tale.put("play_count", plays);
        return tale;
    }

    // ---- computed fields -------------------------------------------------------------------------

    @Test
    void computedFieldsAreSelectedFilteredAndOrderedLikeColumns() {
        assertBody(
                rest.get("/characters?select=name,full_name&order=full_name.desc"),
                200,
                "[{\"name\":\"Bram\",\"full_name\":\"Bram the wise\"},{\"name\":\"Ayla\",\"full_name\":\"Ayla the brave\"}]");
        assertBody(
                rest.get("/characters?select=id:name,who:full_name&full_name=eq.Ayla the brave"),
                200,
                "[{\"id\":\"Ayla\",\"who\":\"Ayla the brave\"}]");
        assertBody(
                rest.get("/characters?select=name&full_name=like.*wise&or=(full_name.is.null,name.eq.Bram)"),
                200,
                "[{\"name\":\"Bram\"}]");
        // Not part of *, as in PostgREST.
        assertThat(rest.get("/characters?select=*&limit=1").json().get(0).has("full_name"))
                .isFalse();
        // Row-level security applies to the rows the function sees: the stranger sees only their Ayla.
        assertBody(other.get("/characters?select=full_name"), 200, "[{\"full_name\":\"Ayla the brave\"}]");
    }

    @Test
    void aComputedFieldOfAViewAndInAnEmbedding() {
        assertBody(
                Fixtures.anon().get("/rel_book_cards?select=title,title_length&title_length=gt.10&order=id"),
                200,
                "[{\"title\":\"The Dispossessed\",\"title_length\":16}]");
        assertBody(
                rest.get("/tales?select=title,characters(full_name)&order=title"),
                200,
                "[{\"title\":\"Dragon\",\"characters\":{\"full_name\":\"Ayla the brave\"}},"
                        + "{\"title\":\"Moon\",\"characters\":{\"full_name\":\"Ayla the brave\"}}]");
    }

    @Test
    void aMutationFiltersByAndReturnsComputedFieldsAndComputedRelationships() {
        Rest.Response patched = rest.patch(
                "/characters?full_name=eq.Bram the wise&select=name,full_name,top_tales(title)",
                "{\"appearance\":\"grey hood\"}");
        assertBody(patched, 200, "[{\"name\":\"Bram\",\"full_name\":\"Bram the wise\",\"top_tales\":[]}]");
        // The stranger's filter on the same computed value changes none of the user's rows.
        assertBody(
                other.patch("/characters?full_name=eq.Bram the wise&select=name", "{\"appearance\":\"x\"}"), 200, "[]");
    }

    @Test
    void aFunctionReturningTheTablesRowsHasItsComputedFieldsAndRelationshipsAndCsvToo() {
        assertBody(
                rest.get("/rpc/characters_named?prefix=Ay&select=full_name,top_tales(title)&top_tales.order=title"),
                200,
                "[{\"full_name\":\"Ayla the brave\",\"top_tales\":[{\"title\":\"Dragon\"},{\"title\":\"Moon\"}]}]");
        Rest.Response csv = rest.with("Accept", "text/csv").get("/characters?select=name,full_name&order=name");
        assertThat(csv.status()).isEqualTo(200);
        assertThat(csv.body()).contains("Ayla the brave").contains("Bram the wise");
    }

    @Test
    void aComputedFieldTheRoleMayNotExecuteIsPostgresqlsPermissionError() {
        Rest.Response denied = rest.get("/characters?select=name,sealed_rank");
        assertThat(denied.status()).isEqualTo(403);
        assertThat(denied.json().get("code").asText()).isEqualTo("42501");
        assertThat(denied.json().get("message").asText()).isEqualTo("permission denied for function sealed_rank");
        assertThat(rest.get("/characters?select=name&sealed_rank=gt.0").status())
                .isEqualTo(403);
        assertThat(Fixtures.anon()
                        .get("/characters?select=name&order=sealed_rank")
                        .status())
                .isEqualTo(401);
        // The service role may execute it.
        assertThat(Fixtures.service()
                        .get("/characters?select=sealed_rank&limit=1")
                        .status())
                .isEqualTo(200);
        // A name that is neither a column nor a function of the row stays PostgreSQL's 42703.
        Rest.Response unknown = rest.get("/characters?select=name,no_such_field");
        assertThat(unknown.status()).isEqualTo(400);
        assertThat(unknown.json().get("code").asText()).isEqualTo("42703");
    }

    // ---- computed relationships -----------------------------------------------------------------

    @Test
    void aSetReturningFunctionOfTheRowEmbedsToMany() {
        assertBody(
                rest.get("/characters?select=name,top_tales(title,play_count)&order=name"),
                200,
                "[{\"name\":\"Ayla\",\"top_tales\":[{\"title\":\"Moon\",\"play_count\":7},"
                        + "{\"title\":\"Dragon\",\"play_count\":3}]},{\"name\":\"Bram\",\"top_tales\":[]}]");
        assertBody(
                rest.get("/characters?select=name,best:top_tales(title)&best.limit=1&best.order=title&name=eq.Ayla"),
                200,
                "[{\"name\":\"Ayla\",\"best\":[{\"title\":\"Dragon\"}]}]");
        assertBody(
                rest.get("/characters?select=name,top_tales!inner(title)&top_tales.title=eq.Moon"),
                200,
                "[{\"name\":\"Ayla\",\"top_tales\":[{\"title\":\"Moon\"}]}]");
        // The stranger's Ayla has no tales the stranger may read.
        assertBody(
                other.get("/characters?select=name,top_tales(title)"), 200, "[{\"name\":\"Ayla\",\"top_tales\":[]}]");
    }

    @Test
    void aFunctionNamedLikeTheTableOverridesTheForeignKeysAndRows1IsToOne() {
        // Two foreign keys from books to authors: PostgREST would answer 300; the function replaces them.
        assertBody(
                Fixtures.anon().get("/rel_books?select=title,rel_authors(name)&order=id&limit=2"),
                200,
                "[{\"title\":\"Earthsea\",\"rel_authors\":{\"name\":\"Ursula\"}},"
                        + "{\"title\":\"The Dispossessed\",\"rel_authors\":{\"name\":\"Ursula\"}}]");
        // A function returning one row (not SETOF) yields a row of nulls when nothing matches, as in
        // PostgreSQL and PostgREST: the object is there with null values.
        assertBody(
                Fixtures.anon().get("/rel_books?select=title,editor(name)&id=in.(1,2)&order=id"),
                200,
                "[{\"title\":\"Earthsea\",\"editor\":{\"name\":\"Neil\"}},"
                        + "{\"title\":\"The Dispossessed\",\"editor\":{\"name\":null}}]");
        assertBody(
                Fixtures.anon().get("/rel_books?select=title,...editor(editor:name)&id=eq.3"),
                200,
                "[{\"title\":\"Mort\",\"editor\":\"Neil\"}]");
        // The other direction is still the two foreign keys: ambiguous without a hint.
        Rest.Response ambiguous = Fixtures.anon().get("/rel_authors?select=name,rel_books(title)");
        assertThat(ambiguous.status()).isEqualTo(300);
        assertThat(ambiguous.json().get("code").asText()).isEqualTo("PGRST201");
        assertBody(
                Fixtures.anon().get("/rel_authors?select=name,rel_books!author_id(title)&id=eq.2&rel_books.order=id"),
                200,
                "[{\"name\":\"Terry\",\"rel_books\":[{\"title\":\"Mort\"},{\"title\":\"Good Omens\"}]}]");
    }

    // ---- relationships through views -------------------------------------------------------------

    @Test
    void aViewEmbedsAndIsEmbeddedThroughItsBaseTablesForeignKeys() {
        Rest anon = Fixtures.anon();
        // view -> table (many-to-one through author_id; editor_id is not in the view, so no ambiguity)
        assertBody(
                anon.get("/rel_book_cards?select=title,rel_authors(name)&id=in.(1,3)&order=id"),
                200,
                "[{\"title\":\"Earthsea\",\"rel_authors\":{\"name\":\"Ursula\"}},"
                        + "{\"title\":\"Mort\",\"rel_authors\":{\"name\":\"Terry\"}}]");
        // table -> view (one-to-many)
        assertBody(
                anon.get("/rel_authors?select=name,rel_book_cards(title)&id=eq.1&rel_book_cards.order=id"),
                200,
                "[{\"name\":\"Ursula\",\"rel_book_cards\":[{\"title\":\"Earthsea\"},{\"title\":\"The Dispossessed\"}]}]");
        // view -> view, through a renamed column
        assertBody(
                anon.get("/rel_book_cards?select=title,rel_author_names(shout)&id=eq.3"),
                200,
                "[{\"title\":\"Mort\",\"rel_author_names\":{\"shout\":\"TERRY\"}}]");
        // a view on a view, its column renamed twice
        assertBody(
                anon.get("/rel_book_titles?select=book_title,rel_authors(name)&order=book_title&limit=1"),
                200,
                "[{\"book_title\":\"Earthsea\",\"rel_authors\":{\"name\":\"Ursula\"}}]");
        assertBody(
                anon.get("/rel_author_names?select=name,rel_book_titles(book_title)&author_id=eq.2"),
                200,
                "[{\"name\":\"Terry\",\"rel_book_titles\":[{\"book_title\":\"Mort\"}]}]");
        // A constraint's name finds the table, never a view over it (PostgREST's rule): not ambiguous.
        assertBody(
                anon.get("/rel_authors?select=name,rel_books_author_id_fkey(title)&id=eq.3"),
                200,
                "[{\"name\":\"Neil\",\"rel_books_author_id_fkey\":[]}]");
    }

    @Test
    void viewsOverTablesOfAHiddenSchemaEmbedEachOther() {
        Rest anon = Fixtures.anon();
        assertBody(
                anon.get("/rel_shelves?select=label,rel_volumes(title)&order=id&rel_volumes.order=id"),
                200,
                "[{\"label\":\"fiction\",\"rel_volumes\":[{\"title\":\"Dune\"},{\"title\":\"Emma\"}]},"
                        + "{\"label\":\"poetry\",\"rel_volumes\":[{\"title\":\"Odes\"}]}]");
        assertBody(
                anon.get("/rel_volumes?select=title,shelf:rel_shelves(label)&id=eq.3"),
                200,
                "[{\"title\":\"Odes\",\"shelf\":{\"label\":\"poetry\"}}]");
    }

    @Test
    void viewColumnsWithEscapedNamesAndSubqueriesAreTracedAndAUnionIsNot() {
        Rest anon = Fixtures.anon();
        assertBody(
                anon.get("/rel_odd_cards?select=rel_authors(name)&limit=1"),
                200,
                "[{\"rel_authors\":{\"name\":\"Ursula\"}}]");
        assertBody(
                anon.get("/rel_authors?select=name,rel_odd_cards(count:written by)&id=eq.3"),
                200,
                "[{\"name\":\"Neil\",\"rel_odd_cards\":[]}]");
        Rest.Response union = anon.get("/rel_everyone?select=name,rel_books(title)");
        assertThat(union.status()).isEqualTo(400);
        assertThat(union.json().get("code").asText()).isEqualTo("PGRST200");
    }

    @Test
    void nodeTreeTextIsReadAtTheTopQueryOnly() {
        String tree = "({QUERY :commandType 1 :rtable ({RANGETBLENTRY :subquery {QUERY :targetList ({TARGETENTRY"
                + " :resno 1 :resname a :resorigtbl 11 :resorigcol 5 :resjunk false})}}) :targetList ({TARGETENTRY"
                + " :expr {VAR :varno 1} :resno 1 :resname x\\ \\(y\\)\\ \\{ :resorigtbl 42 :resorigcol 3"
                + " :resjunk false} {TARGETENTRY :expr {FUNCEXPR :args ({VAR :varno 1})} :resno 2 :resname f"
                + " :resorigtbl 0 :resorigcol 0 :resjunk false} {TARGETENTRY :resno 3 :resname j :resorigtbl 42"
                + " :resorigcol 4 :resjunk true}) :setOperations <>})";
        Map<Integer, long[]> origins = CatalogLoader.targetOrigins(tree);
        assertThat(origins).containsOnlyKeys(1);
        assertThat(origins.get(1)).containsExactly(42L, 3L);
        assertThat(CatalogLoader.targetOrigins("({QUERY :commandType 1 :targetList <> :rtable <>})"))
                .isEmpty();
    }

    @Test
    void theExistingViewOfTalesEmbedsItsScenes() {
        assertBody(
                rest.get("/tale_titles?select=title,scenes(scene_number)&title=eq.Moon"),
                200,
                "[{\"title\":\"Moon\",\"scenes\":[]}]");
    }

    // ---- self-references --------------------------------------------------------------------------

    @Test
    void aSelfReferenceByTheTablesNameEmbedsTheChildren() {
        Rest anon = Fixtures.anon();
        assertBody(
                anon.get("/rel_nodes?select=name,rel_nodes(name)&id=in.(1,4)&order=id&rel_nodes.order=id"),
                200,
                "[{\"name\":\"root\",\"rel_nodes\":[{\"name\":\"left\"},{\"name\":\"right\"}]},"
                        + "{\"name\":\"leaf\",\"rel_nodes\":[]}]");
        // The parent through the foreign key's column.
        assertBody(
                anon.get("/rel_nodes?select=name,parent:parent_id(name)&id=in.(1,4)&order=id"),
                200,
                "[{\"name\":\"root\",\"parent\":null},{\"name\":\"leaf\",\"parent\":{\"name\":\"left\"}}]");
        // The children with a hint naming their column.
        assertBody(
                anon.get("/rel_nodes?select=name,children:rel_nodes!parent_id(name)&id=eq.2"),
                200,
                "[{\"name\":\"left\",\"children\":[{\"name\":\"leaf\"}]}]");
        // Two levels down, and a hint that names no column of the children is PGRST200.
        assertBody(
                anon.get("/rel_nodes?select=name,rel_nodes(name,rel_nodes(name))&id=eq.1&rel_nodes.order=id"),
                200,
                "[{\"name\":\"root\",\"rel_nodes\":[{\"name\":\"left\",\"rel_nodes\":[{\"name\":\"leaf\"}]},"
                        + "{\"name\":\"right\",\"rel_nodes\":[]}]}]");
        Rest.Response none = anon.get("/rel_nodes?select=name,rel_nodes!name(name)");
        assertThat(none.status()).isEqualTo(400);
        assertThat(none.json().get("code").asText()).isEqualTo("PGRST200");
    }
}
