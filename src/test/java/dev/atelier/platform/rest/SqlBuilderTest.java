package dev.atelier.platform.rest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.atelier.platform.rest.Catalog.Column;
import dev.atelier.platform.rest.Catalog.ForeignKey;
import dev.atelier.platform.rest.Catalog.Table;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The SQL builders against a small hand-made catalog, without a database. */
class SqlBuilderTest {

    private static final String EVIL = "x'); DROP TABLE characters; --";

    private static Column column(String name, String type) {
        return new Column(name, type, type, 'S', true, null, null, false, List.of());
    }

    private static Table table(String name, List<String> pk, String... columns) {
        Map<String, Column> cols = new LinkedHashMap<>();
        for (String c : columns) {
            cols.put(c, column(c, c.equals("data") ? "jsonb" : "text"));
        }
        return new Table("s", name, 'r', true, true, true, null, cols, pk, List.of());
    }

    private static final Table CHARACTERS = table("characters", List.of("id"), "id", "name", "data");
    private static final Table TALES = table("tales", List.of("id"), "id", "character_id", "editor_id", "title");
    private static final Table SCENES = table("scenes", List.of("id"), "id", "tale_id", "n");
    private static final Catalog CATALOG = new Catalog(
            List.of("s"),
            List.of(CHARACTERS, TALES, SCENES),
            List.of(
                    new ForeignKey(
                            "tales_character_id_fkey",
                            "s",
                            "tales",
                            List.of("character_id"),
                            "s",
                            "characters",
                            List.of("id")),
                    new ForeignKey(
                            "tales_editor_id_fkey",
                            "s",
                            "tales",
                            List.of("editor_id"),
                            "s",
                            "characters",
                            List.of("id")),
                    new ForeignKey(
                            "scenes_tale_id_fkey", "s", "scenes", List.of("tale_id"), "s", "tales", List.of("id"))),
            List.of());

    private static ReadPlan plan(Table table, String query) {
        return new ReadPlanner(CATALOG, "s")
                .plan(table, table.columns(), table.name(), QueryParams.parse(query, Set.of()));
    }

    private static Sql page(Table table, String query) {
        ReadPlan root = plan(table, query);
        return ReadSql.page(
                root, new Sql().qualified("s", table.name()).sql(" AS ").ident(root.alias), true, true);
    }

    @Test
    void requestValuesAreBindParametersNeverSqlText() {
        String encoded = java.net.URLEncoder.encode(EVIL, java.nio.charset.StandardCharsets.UTF_8);
        String quoted = java.net.URLEncoder.encode("\"" + EVIL + "\"", java.nio.charset.StandardCharsets.UTF_8);
        Sql sql = page(
                CHARACTERS,
                "select=alias:name,data->>k&name=eq." + encoded + "&or=(name.like." + quoted + ",name.in.(" + quoted
                        + "))&data->" + quoted + "=eq.1&order=name.desc&limit=3");
        assertThat(sql.text()).doesNotContain("DROP").doesNotContain("alias");
        assertThat(sql.params()).contains(EVIL, "alias");
        // The limit is a parsed number, written into the text so the plan cache can cost it.
        assertThat(sql.text()).contains(" LIMIT 3");
        assertThat(sql.text().chars().filter(c -> c == '?').count())
                .isEqualTo(sql.params().size());
    }

    @Test
    void toOneEmbeddingIsALateralRowObjectAndToManyAnAggregatedArray() {
        String toOne = page(SCENES, "select=n,tales(title)").text();
        // The embedded row object is built only when its size estimate stays under the response limit.
        assertThat(toOne)
                .contains("LEFT JOIN LATERAL (SELECT CASE WHEN (")
                .contains("ELSE json_build_object(")
                .doesNotContain("json_agg(_e.j)");
        assertThat(toOne).contains("\"t1\".\"id\" = \"t0\".\"tale_id\") LIMIT 1) AS");
        // A limit of the client's own stays the only one.
        assertThat(page(SCENES, "select=n,tales(title)&tales.limit=3").text())
                .contains(" LIMIT 3) AS")
                .doesNotContain("LIMIT 1)");
        String toMany = page(TALES, "select=title,scenes(n)").text();
        assertThat(toMany).contains("coalesce(json_agg(_e.j), '[]'::json)");
        assertThat(toMany).contains("\"t1\".\"tale_id\" = \"t0\".\"id\"");
    }

    @Test
    void fixedSizeColumnsAreCountedWithoutAnExpressionAndARowOfThemAloneIsNotGuarded() {
        Map<String, Column> cols = new LinkedHashMap<>();
        cols.put("id", new Column("id", "bigint", "int8", 'S', true, null, null, false, List.of()));
        cols.put(
                "at",
                new Column("at", "timestamp with time zone", "timestamptz", 'S', true, null, null, false, List.of()));
        cols.put("note", column("note", "text"));
        Table events = new Table("s", "events", 'r', true, true, true, null, cols, List.of("id"), List.of());
        String fixed = page(events, "select=id,at").text();
        assertThat(fixed).doesNotContain(ReadSql.TOO_LARGE + "((").doesNotContain("pg_column_size(\"t0\"");
        // With a text column, its size is the only expression; the fixed ones are in the constant:
        // 3 outputs of 40 bytes, keys of 2 + 2 + 4 characters, 8 + 8 bytes of values.
        assertThat(page(events, "select=id,at,note").text())
                .contains("(144 + 1::bigint * coalesce(octet_length(\"t0\".\"note\"), 0)::bigint) > ?");
    }

    @Test
    void rowsAreSizedFromValueHeadersBeforeTheyAreBuiltAndPagesByRunningTotal() {
        String sql = page(CHARACTERS, "select=a:name,b:name,c:name,data").text();
        // One size expression per distinct value, multiplied by its uses; text's length from its header.
        assertThat(sql)
                .contains("3::bigint * coalesce(octet_length(\"t0\".\"name\"), 0)")
                .doesNotContain("1::bigint * coalesce(octet_length(\"t0\".\"name\")");
        assertThat(sql).contains("THEN " + ReadSql.TOO_LARGE + "(");
        assertThat(sql.indexOf("CASE WHEN")).isLessThan(sql.indexOf("json_build_object("));
        assertThat(sql).contains("OVER (ROWS UNBOUNDED PRECEDING)");
    }

    @Test
    void innerEmbeddingOfToManyDropsParentsWithEmptyArrays() {
        String sql = page(TALES, "select=title,scenes!inner(n)").text();
        assertThat(sql).contains("INNER JOIN LATERAL").contains("json_array_length(\"e1\".j) > 0");
    }

    @Test
    void embeddedFiltersOrderAndLimitStayInsideTheEmbedding() {
        Sql sql = page(TALES, "select=title,scenes(n)&scenes.n=gt.1&scenes.order=n.desc&scenes.limit=2");
        String text = sql.text();
        int lateral = text.indexOf("LEFT JOIN LATERAL");
        assertThat(text.indexOf("\"t1\".\"n\" > ?", lateral)).isPositive();
        assertThat(text.indexOf("ORDER BY \"t1\".\"n\" DESC LIMIT 2", lateral)).isPositive();
        assertThat(sql.params()).contains("1");
    }

    @Test
    void twoForeignKeysToTheSameTableAreAmbiguousUntilHinted() {
        assertThatThrownBy(() -> plan(TALES, "select=characters(name)")).isInstanceOfSatisfying(ApiError.class, e -> {
            assertThat(e.status).isEqualTo(300);
            assertThat(e.code).isEqualTo("PGRST201");
            assertThat(e.details.toString()).contains("tales_character_id_fkey").contains("tales_editor_id_fkey");
            assertThat(e.hint).contains("'characters!tales_character_id_fkey'");
        });
        assertThat(plan(TALES, "select=characters!tales_editor_id_fkey(name)")
                        .embeds
                        .get(0)
                        .relationship
                        .constraint())
                .isEqualTo("tales_editor_id_fkey");
        assertThat(plan(TALES, "select=characters!character_id(name)")
                        .embeds
                        .get(0)
                        .relationship
                        .constraint())
                .isEqualTo("tales_character_id_fkey");
        assertThat(plan(TALES, "select=editor:editor_id(name)")
                        .embeds
                        .get(0)
                        .relationship
                        .constraint())
                .isEqualTo("tales_editor_id_fkey");
    }

    @Test
    void anUnrelatedTableIsPgrst200WithASuggestion() {
        assertThatThrownBy(() -> plan(SCENES, "select=talez(title)")).isInstanceOfSatisfying(ApiError.class, e -> {
            assertThat(e.status).isEqualTo(400);
            assertThat(e.code).isEqualTo("PGRST200");
            assertThat(e.getMessage())
                    .isEqualTo("Could not find a relationship between 'scenes' and 'talez' in the schema cache");
            assertThat(e.hint).isEqualTo("Perhaps you meant 'tales' instead of 'talez'.");
        });
    }

    @Test
    void unknownColumnsAreRefusedAsPostgresqlWouldRefuseThem() {
        assertThatThrownBy(() -> plan(CHARACTERS, "select=nope")).isInstanceOfSatisfying(ApiError.class, e -> {
            assertThat(e.code).isEqualTo("42703");
            assertThat(e.getMessage()).isEqualTo("column characters.nope does not exist");
        });
        assertThatThrownBy(() -> plan(CHARACTERS, "order=nope")).isInstanceOf(ApiError.class);
        assertThatThrownBy(() -> plan(TALES, "select=title,scenes(nope)"))
                .isInstanceOfSatisfying(
                        ApiError.class, e -> assertThat(e.getMessage()).isEqualTo("column scenes.nope does not exist"));
    }

    @Test
    void aFilterOnAnEmbeddingThatIsNotSelectedIsPgrst108() {
        assertThatThrownBy(() -> plan(TALES, "scenes.n=eq.1")).isInstanceOfSatisfying(ApiError.class, e -> {
            assertThat(e.code).isEqualTo("PGRST108");
            assertThat(e.hint).isEqualTo("Verify that 'scenes' is included in the 'select' query parameter.");
        });
    }

    @Test
    void anEmbeddingItselfTakesOnlyIsNullFilters() {
        ReadPlan root = plan(TALES, "select=title,scenes(n)&scenes=not.is.null");
        assertThat(root.embedConditions).hasSize(1);
        assertThat(root.embeds.get(0).restrictsParent).isTrue();
        assertThatThrownBy(() -> plan(TALES, "select=title,scenes(n)&scenes=eq.1"))
                .isInstanceOfSatisfying(ApiError.class, e -> assertThat(e.code).isEqualTo("PGRST120"));
    }

    @Test
    void orderingByAToManyEmbeddingIsPgrst118() {
        assertThatThrownBy(() -> plan(TALES, "select=title,scenes(n)&order=scenes(n)"))
                .isInstanceOfSatisfying(ApiError.class, e -> assertThat(e.code).isEqualTo("PGRST118"));
        String sql = ReadSql.page(
                        plan(SCENES, "select=n,tales(title)&order=tales(title).desc"),
                        Sql.of("\"s\".\"scenes\" AS \"t0\""),
                        false,
                        true)
                .text();
        assertThat(sql).contains("ORDER BY \"e1\".\"o1\" DESC");
    }

    @Test
    void castsAreLimitedToKnownTypes() {
        assertThat(page(CHARACTERS, "select=name::text").text()).contains("CAST(\"t0\".\"name\" AS text)");
        assertThatThrownBy(() -> plan(CHARACTERS, "select=name::pg_catalog.text"))
                .isInstanceOf(ApiError.class);
        assertThatThrownBy(() -> plan(CHARACTERS, "select=name::evil")).isInstanceOfSatisfying(ApiError.class, e -> {
            assertThat(e.code).isEqualTo("42704");
            assertThat(e.getMessage()).isEqualTo("type \"evil\" does not exist");
        });
    }

    @Test
    void rowObjectsBeyondFiftyColumnsAreSplicedInOrder() {
        List<ReadSql.Pair> outputs = new java.util.ArrayList<>();
        for (int i = 0; i < 120; i++) {
            outputs.add(new ReadSql.Pair("k" + i, Sql.of("1")));
        }
        String sql = ReadSql.rowObject(outputs).text();
        assertThat(sql.split("json_build_object\\(", -1)).hasSize(4);
        assertThat(sql).startsWith("(left((left(json_build_object(");
    }

    @Test
    void insertWritesOnlyThePayloadsColumnsAndUpsertsOnTheKey() {
        Sql sql = MutationSql.insert(
                CHARACTERS,
                List.of("id", "name"),
                "[{\"id\":1,\"name\":\"" + EVIL + "\"}]",
                false,
                MutationSql.Conflict.MERGE,
                List.of("id"));
        assertThat(sql.text())
                .startsWith(
                        "INSERT INTO \"s\".\"characters\" AS \"t0\" (\"id\", \"name\") SELECT _r.\"id\", _r.\"name\"")
                .contains("ON CONFLICT (\"id\") DO UPDATE SET \"id\" = EXCLUDED.\"id\", \"name\" = EXCLUDED.\"name\"")
                .doesNotContain("DROP");
        assertThat(MutationSql.insert(
                                CHARACTERS, List.of("name"), "[]", false, MutationSql.Conflict.IGNORE, List.of("id"))
                        .text())
                .endsWith("ON CONFLICT (\"id\") DO NOTHING");
    }

    @Test
    void limitedUpdatesPickRowsByCtidInOrder() {
        ReadPlan root = plan(CHARACTERS, "name=eq.a&order=name&limit=2");
        String sql = MutationSql.delete(CHARACTERS, root).text();
        assertThat(sql)
                .contains("ctid = ANY(ARRAY(SELECT \"t0\".ctid FROM \"s\".\"characters\" AS \"t0\" WHERE")
                .contains("ORDER BY \"t0\".\"name\" LIMIT ?");
    }

    @Test
    void identifiersAreQuotedWithEmbeddedQuotesDoubled() {
        assertThat(Sql.quote("we\"ird")).isEqualTo("\"we\"\"ird\"");
    }
}
