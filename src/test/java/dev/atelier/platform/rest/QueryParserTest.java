package dev.atelier.platform.rest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.atelier.platform.rest.Filter.FullText;
import dev.atelier.platform.rest.Filter.In;
import dev.atelier.platform.rest.Filter.Is;
import dev.atelier.platform.rest.Filter.Operator;
import dev.atelier.platform.rest.Filter.Simple;
import dev.atelier.platform.rest.Filter.Trilean;
import dev.atelier.platform.rest.SelectItem.Column;
import dev.atelier.platform.rest.SelectItem.Embed;
import java.util.List;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

class QueryParserTest {

    @Nested
    class Select {

        @Test
        void parsesStarAndPlainColumns() {
            List<SelectItem> items = QueryParser.select("*,name, age");
            assertThat(items).hasSize(3);
            assertThat(((Column) items.get(0)).isStar()).isTrue();
            assertThat(((Column) items.get(1)).field().name()).isEqualTo("name");
            assertThat(((Column) items.get(2)).field().name()).isEqualTo("age");
        }

        @Test
        void parsesAliasCastAndJsonPath() {
            Column c = (Column)
                    QueryParser.select("hair:visual_profile->colors->>0::text").get(0);
            assertThat(c.alias()).isEqualTo("hair");
            assertThat(c.cast()).isEqualTo("text");
            assertThat(c.field().name()).isEqualTo("visual_profile");
            assertThat(c.field().path())
                    .containsExactly(new Field.JsonStep(false, "colors", false), new Field.JsonStep(true, "0", true));
        }

        @Test
        void jsonPathSelectionIsKeyedByItsLastKey() {
            Column c = (Column) QueryParser.select("data->a->>b").get(0);
            assertThat(c.field().defaultKey()).isEqualTo("b");
            Column indexed = (Column) QueryParser.select("data->items->2").get(0);
            assertThat(indexed.field().defaultKey()).isEqualTo("items");
        }

        @Test
        void parsesEmbeddingsWithAliasHintAndInnerJoin() {
            Embed e = (Embed) QueryParser.select("character:characters!tales_character_id_fkey!inner(name,id)")
                    .get(0);
            assertThat(e.alias()).isEqualTo("character");
            assertThat(e.relation()).isEqualTo("characters");
            assertThat(e.hint()).isEqualTo("tales_character_id_fkey");
            assertThat(e.inner()).isTrue();
            assertThat(e.children()).hasSize(2);
            assertThat(e.key()).isEqualTo("character");
        }

        @Test
        void innerMayComeBeforeTheHint() {
            Embed e = (Embed)
                    QueryParser.select("characters!inner!character_id(*)").get(0);
            assertThat(e.inner()).isTrue();
            assertThat(e.hint()).isEqualTo("character_id");
        }

        @Test
        void leftIsTheDefaultJoinAndNotAHint() {
            Embed e = (Embed) QueryParser.select("characters!left(*)").get(0);
            assertThat(e.inner()).isFalse();
            assertThat(e.hint()).isNull();
        }

        @Test
        void parsesNestedEmbeddings() {
            Embed tales = (Embed)
                    QueryParser.select("name,tales(title,scenes(scene_number))").get(1);
            Embed scenes = (Embed) tales.children().get(1);
            assertThat(scenes.relation()).isEqualTo("scenes");
            assertThat(((Column) scenes.children().get(0)).field().name()).isEqualTo("scene_number");
        }

        @Test
        void parsesSpreadEmbeddings() {
            Embed e = (Embed)
                    QueryParser.select("title,...characters!inner(name)").get(1);
            assertThat(e.spread()).isTrue();
            assertThat(e.inner()).isTrue();
            assertThat(e.relation()).isEqualTo("characters");
            assertThatThrownBy(() -> QueryParser.select("...characters")).isInstanceOf(ApiError.class);
        }

        @Test
        void acceptsQuotedNamesWithSpecialCharacters() {
            Column c = (Column) QueryParser.select("\"a,b(c)\"").get(0);
            assertThat(c.field().name()).isEqualTo("a,b(c)");
        }

        @Test
        void acceptsDashedNamesWithoutTakingArrowsForDashes() {
            Column c = (Column) QueryParser.select("first-name->x").get(0);
            assertThat(c.field().name()).isEqualTo("first-name");
            assertThat(c.field().path()).hasSize(1);
        }

        @Test
        void rejectsAnUnclosedEmbedding() {
            assertThatThrownBy(() -> QueryParser.select("name,tales(title"))
                    .isInstanceOfSatisfying(ApiError.class, e -> {
                        assertThat(e.code).isEqualTo("PGRST100");
                        assertThat(e.getMessage())
                                .isEqualTo(
                                        "\"failed to parse select parameter (name,tales(title)\" (line 1, column 17)");
                        assertThat((String) e.details).contains("end of input");
                    });
        }

        @Test
        void rejectsAStrayCharacterNamingItsColumn() {
            assertThatThrownBy(() -> QueryParser.select("id,name[]")).isInstanceOfSatisfying(ApiError.class, e -> {
                assertThat(e.getMessage()).endsWith("(line 1, column 8)");
                assertThat((String) e.details).startsWith("unexpected \"[\"");
            });
        }

        @Test
        void rejectsAnEmptyCast() {
            assertThatThrownBy(() -> QueryParser.select("name::")).isInstanceOf(ApiError.class);
        }

        @Test
        void readsAggregatesAndEmptyEmbeddings() {
            assertThat(QueryParser.select("n:count()::text"))
                    .containsExactly(
                            new SelectItem.Column("n", Field.of("*"), null, SelectItem.Aggregate.COUNT, "text"));
            assertThat(QueryParser.select("t:amount::int.sum()::text"))
                    .containsExactly(
                            new SelectItem.Column("t", Field.of("amount"), "int", SelectItem.Aggregate.SUM, "text"));
            assertThat(QueryParser.select("tales()"))
                    .containsExactly(new SelectItem.Embed(null, "tales", null, false, List.of()));
        }

        @Test
        void refusesNestingBeyondTheCap() {
            String deep = "a(".repeat(QueryParser.MAX_DEPTH + 1) + "b" + ")".repeat(QueryParser.MAX_DEPTH + 1);
            assertThatThrownBy(() -> QueryParser.select(deep))
                    .isInstanceOfSatisfying(
                            ApiError.class, e -> assertThat(e.code).isEqualTo("PGRST100"));
        }
    }

    @Nested
    class Filters {

        private Filter parse(String value) {
            return QueryParser.filter(Field.of("col"), value);
        }

        @Test
        void parsesEverySingleValueOperator() {
            for (Operator op : Operator.values()) {
                Filter f = parse(op.token + ".x.y");
                assertThat(f.operation()).isEqualTo(new Simple(op, "x.y"));
                assertThat(f.negated()).isFalse();
            }
        }

        @Test
        void takesTheWholeRestAsTheValue() {
            assertThat(parse("eq.a,b(c)\"d").operation()).isEqualTo(new Simple(Operator.EQ, "a,b(c)\"d"));
            assertThat(parse("eq.").operation()).isEqualTo(new Simple(Operator.EQ, ""));
        }

        @Test
        void parsesNegation() {
            Filter f = parse("not.gte.18");
            assertThat(f.negated()).isTrue();
            assertThat(f.operation()).isEqualTo(new Simple(Operator.GTE, "18"));
        }

        @Test
        void parsesInListsWithQuotedElements() {
            assertThat(parse("in.(a,\"b,c\",\"d\\\"e\", f )").operation())
                    .isEqualTo(new In(List.of("a", "b,c", "d\"e", " f ")));
            assertThat(parse("in.()").operation()).isEqualTo(new In(List.of()));
            assertThat(parse("not.in.(1,2)").negated()).isTrue();
        }

        @Test
        void parsesIsWithAnyCase() {
            assertThat(parse("is.null").operation()).isEqualTo(new Is(Trilean.NULL));
            assertThat(parse("is.TRUE").operation()).isEqualTo(new Is(Trilean.TRUE));
            assertThat(parse("is.false").operation()).isEqualTo(new Is(Trilean.FALSE));
            assertThat(parse("not.is.unknown").operation()).isEqualTo(new Is(Trilean.UNKNOWN));
        }

        @Test
        void parsesFullTextSearchWithAndWithoutConfiguration() {
            assertThat(parse("fts.cat & dog").operation())
                    .isEqualTo(new FullText(Filter.FtsOperator.FTS, null, "cat & dog"));
            assertThat(parse("wfts(english).the cat").operation())
                    .isEqualTo(new FullText(Filter.FtsOperator.WFTS, "english", "the cat"));
            assertThat(parse("plfts.a").operation()).isInstanceOf(FullText.class);
            assertThat(parse("phfts.a").operation()).isInstanceOf(FullText.class);
        }

        @Test
        void parsesAnyAndAllQuantifiers() {
            assertThat(parse("like(any).{a*,b*}").operation())
                    .isEqualTo(new Simple(Operator.LIKE, "{a*,b*}", Filter.Quantifier.ANY));
            assertThat(parse("not.gt(all).{1,2}").operation())
                    .isEqualTo(new Simple(Operator.GT, "{1,2}", Filter.Quantifier.ALL));
            assertThatThrownBy(() -> parse("like(some).{a}")).isInstanceOf(ApiError.class);
            assertThatThrownBy(() -> parse("cs(any).{a}")).isInstanceOf(ApiError.class);
        }

        @Test
        void rejectsAnUnknownOperatorNamingIt() {
            assertThatThrownBy(() -> parse("resembles.Ayla")).isInstanceOfSatisfying(ApiError.class, e -> {
                assertThat(e.status).isEqualTo(400);
                assertThat(e.code).isEqualTo("PGRST100");
                assertThat(e.getMessage()).startsWith("\"failed to parse filter (resembles.Ayla)\"");
                assertThat(e.details).isEqualTo("unknown single value operator resembles");
            });
        }

        @Test
        void rejectsAValueWithoutAnOperator() {
            assertThatThrownBy(() -> parse("Ayla")).isInstanceOf(ApiError.class);
            assertThatThrownBy(() -> parse("eq"))
                    .isInstanceOfSatisfying(
                            ApiError.class, e -> assertThat((String) e.details).contains("delimiter"));
        }

        @Test
        void rejectsABadInList() {
            assertThatThrownBy(() -> parse("in.1,2")).isInstanceOf(ApiError.class);
            assertThatThrownBy(() -> parse("in.(1,2")).isInstanceOf(ApiError.class);
            assertThatThrownBy(() -> parse("in.(1,2))")).isInstanceOf(ApiError.class);
        }

        @Test
        void rejectsABadTrileanValue() {
            assertThatThrownBy(() -> parse("is.maybe"))
                    .isInstanceOfSatisfying(
                            ApiError.class, e -> assertThat((String) e.details).contains("null or trilean"));
        }
    }

    @Nested
    class Logic {

        @Test
        void parsesAFlatOr() {
            LogicTree.Node node =
                    (LogicTree.Node) QueryParser.logic("or", false, "(name.eq.Ayla,primary_trait.eq.clever)");
            assertThat(node.or()).isTrue();
            assertThat(node.negated()).isFalse();
            assertThat(node.children())
                    .containsExactly(
                            new LogicTree.Leaf(new Filter(Field.of("name"), false, new Simple(Operator.EQ, "Ayla"))),
                            new LogicTree.Leaf(
                                    new Filter(Field.of("primary_trait"), false, new Simple(Operator.EQ, "clever"))));
        }

        @Test
        void parsesNestedAndOrNot() {
            LogicTree.Node node = (LogicTree.Node) QueryParser.logic(
                    "or", true, "(name.eq.Dara,and(primary_trait.eq.brave,not.or(a.is.null,b.in.(1,2))))");
            assertThat(node.negated()).isTrue();
            LogicTree.Node and = (LogicTree.Node) node.children().get(1);
            assertThat(and.or()).isFalse();
            LogicTree.Node notOr = (LogicTree.Node) and.children().get(1);
            assertThat(notOr.negated()).isTrue();
            assertThat(notOr.or()).isTrue();
            assertThat(((LogicTree.Leaf) notOr.children().get(1)).filter().operation())
                    .isEqualTo(new In(List.of("1", "2")));
        }

        @Test
        void unquotesQuotedValuesAndKeepsArraysWhole() {
            LogicTree.Node node = (LogicTree.Node) QueryParser.logic("and", false, "(title.eq.\"a,b)\",tags.cs.{x,y})");
            assertThat(((LogicTree.Leaf) node.children().get(0)).filter().operation())
                    .isEqualTo(new Simple(Operator.EQ, "a,b)"));
            assertThat(((LogicTree.Leaf) node.children().get(1)).filter().operation())
                    .isEqualTo(new Simple(Operator.CS, "{x,y}"));
        }

        @Test
        void rejectsUnbalancedParentheses() {
            assertThatThrownBy(() -> QueryParser.logic("or", false, "(a.eq.1,b.eq.2"))
                    .isInstanceOfSatisfying(ApiError.class, e -> {
                        assertThat(e.code).isEqualTo("PGRST100");
                        assertThat(e.getMessage()).startsWith("\"failed to parse logic tree ((a.eq.1,b.eq.2)\"");
                    });
            assertThatThrownBy(() -> QueryParser.logic("or", false, "(a.eq.1))"))
                    .isInstanceOf(ApiError.class);
            assertThatThrownBy(() -> QueryParser.logic("or", false, "a.eq.1")).isInstanceOf(ApiError.class);
        }

        @Test
        void rejectsAnEmptyGroup() {
            assertThatThrownBy(() -> QueryParser.logic("or", false, "()"))
                    .isInstanceOfSatisfying(
                            ApiError.class, e -> assertThat((String) e.details).contains("field name"));
        }
    }

    @Nested
    class Order {

        @Test
        void parsesDirectionsAndNullsPlacement() {
            List<OrderTerm> terms = QueryParser.order("name.desc.nullslast,age,created_at.asc,x.nullsfirst");
            assertThat(terms)
                    .containsExactly(
                            new OrderTerm(null, Field.of("name"), OrderTerm.Direction.DESC, OrderTerm.Nulls.LAST),
                            new OrderTerm(null, Field.of("age"), null, null),
                            new OrderTerm(null, Field.of("created_at"), OrderTerm.Direction.ASC, null),
                            new OrderTerm(null, Field.of("x"), null, OrderTerm.Nulls.FIRST));
        }

        @Test
        void parsesJsonPathsAndRelatedOrders() {
            List<OrderTerm> terms = QueryParser.order("data->>age.desc,characters(name).asc");
            assertThat(terms.get(0).field().path()).containsExactly(new Field.JsonStep(true, "age", false));
            assertThat(terms.get(1).relation()).isEqualTo("characters");
            assertThat(terms.get(1).field().name()).isEqualTo("name");
        }

        @Test
        void rejectsAnUnknownDirection() {
            assertThatThrownBy(() -> QueryParser.order("id.sideways")).isInstanceOfSatisfying(ApiError.class, e -> {
                assertThat(e.getMessage()).isEqualTo("\"failed to parse order (id.sideways)\" (line 1, column 3)");
                assertThat((String) e.details).contains("\"asc\", \"desc\", \"nullsfirst\" or \"nullslast\"");
            });
        }
    }

    @Nested
    class Paths {

        @Test
        void splitsEmbedPathFromField() {
            QueryParser.TreePath tp = QueryParser.treePath("tales.scenes.scene_number");
            assertThat(tp.embedPath()).containsExactly("tales", "scenes");
            assertThat(tp.field()).isEqualTo(Field.of("scene_number"));
        }

        @Test
        void keepsAJsonPathOnTheField() {
            QueryParser.TreePath tp = QueryParser.treePath("event_data->>kind");
            assertThat(tp.embedPath()).isEmpty();
            assertThat(tp.field().path()).containsExactly(new Field.JsonStep(true, "kind", false));
        }

        @Test
        void parsesQuotedColumnLists() {
            assertThat(QueryParser.columns("columns parameter", "\"name\",\"appearance\", id"))
                    .containsExactly("name", "appearance", "id");
        }
    }
}
