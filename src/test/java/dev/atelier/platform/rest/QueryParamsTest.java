package dev.atelier.platform.rest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Collections;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class QueryParamsTest {

    @Test
    void defaultsToSelectStar() {
        QueryParams q = QueryParams.parse(null, Set.of());
        assertThat(q.select).isEqualTo(QueryParams.STAR);
        assertThat(q.filters).isEmpty();
    }

    @Test
    void sortsReservedParametersFiltersAndEmbeddedParameters() {
        QueryParams q = QueryParams.parse(
                "select=name,tales(title)&name=eq.Ayla&tales.title=like.*Moon*"
                        + "&order=name.desc&tales.order=title&limit=5&offset=10&tales.limit=2&tales.offset=1"
                        + "&or=(a.eq.1,b.eq.2)&tales.not.and=(x.eq.1,y.eq.2)&columns=a,b&on_conflict=id",
                Set.of());
        assertThat(q.filters).extracting(QueryParams.PathFilter::path).containsExactly(List.of(), List.of("tales"));
        assertThat(q.orders).containsOnlyKeys(List.of(), List.of("tales"));
        assertThat(q.limits).containsEntry(List.of(), 5L).containsEntry(List.of("tales"), 2L);
        assertThat(q.offsets).containsEntry(List.of(), 10L).containsEntry(List.of("tales"), 1L);
        assertThat(q.logic).hasSize(2);
        assertThat(q.logic.get(1).path()).containsExactly("tales");
        assertThat(((LogicTree.Node) q.logic.get(1).tree()).negated()).isTrue();
        assertThat(q.columns).containsExactly("a", "b");
        assertThat(q.onConflict).containsExactly("id");
    }

    @Test
    void decodesPercentEncodingAndPlusAsSpace() {
        QueryParams q = QueryParams.parse("name=eq.muddy+boots%21&title=in.(%22a%2Cb%22)", Set.of());
        assertThat(q.filters.get(0).filter().operation())
                .isEqualTo(new Filter.Simple(Filter.Operator.EQ, "muddy boots!"));
        assertThat(q.filters.get(1).filter().operation()).isEqualTo(new Filter.In(List.of("a,b")));
    }

    @Test
    void dropsKeysWithoutAValue() {
        assertThat(QueryParams.parse("flag&name=eq.x", Set.of()).filters).hasSize(1);
    }

    @Test
    void separatesFunctionArgumentsFromFilters() {
        QueryParams q = QueryParams.parse("term=moon&term=sea&limit_to=3&id=gt.2", Set.of("term", "limit_to"));
        assertThat(q.arguments).containsEntry("term", List.of("moon", "sea")).containsEntry("limit_to", List.of("3"));
        assertThat(q.filters).hasSize(1);
    }

    @Test
    void rejectsANonNumericLimit() {
        assertThatThrownBy(() -> QueryParams.parse("limit=ten", Set.of())).isInstanceOfSatisfying(ApiError.class, e -> {
            assertThat(e.status).isEqualTo(400);
            assertThat(e.code).isEqualTo("PGRST100");
        });
    }

    @Test
    void remembersANegativeLimitForA416() {
        QueryParams q = QueryParams.parse("limit=-1", Set.of());
        assertThat(q.negativeLimit).isTrue();
        assertThatThrownBy(() -> RangeSpec.of(q, null, true)).isInstanceOfSatisfying(ApiError.class, e -> {
            assertThat(e.status).isEqualTo(416);
            assertThat(e.code).isEqualTo("PGRST103");
            assertThat(e.details).isEqualTo("Limit should be greater than or equal to zero.");
        });
    }

    @Test
    void rejectsBadPercentEncoding() {
        assertThatThrownBy(() -> QueryParams.parse("name=eq.%zz", Set.of()))
                .isInstanceOfSatisfying(ApiError.class, e -> assertThat(e.code).isEqualTo("PGRST100"));
    }

    @Test
    void intersectsTheRangeHeaderWithLimitAndOffset() {
        QueryParams q = QueryParams.parse("offset=2&limit=5", Set.of());
        assertThat(RangeSpec.of(q, "0-3", true)).isEqualTo(new RangeSpec(2, 2L));
        assertThat(RangeSpec.of(QueryParams.parse(null, Set.of()), "items=1-2", true))
                .isEqualTo(new RangeSpec(1, 2L));
        assertThat(RangeSpec.of(QueryParams.parse(null, Set.of()), "4-", true)).isEqualTo(new RangeSpec(4, null));
        assertThat(RangeSpec.of(QueryParams.parse(null, Set.of()), "bytes=garbage", true))
                .isEqualTo(new RangeSpec(0, null));
        assertThat(RangeSpec.of(QueryParams.parse(null, Set.of()), "1-2", false))
                .isEqualTo(new RangeSpec(0, null));
    }

    @Test
    void refusesARangeWhoseLowerBoundExceedsItsUpperBound() {
        assertThatThrownBy(() -> RangeSpec.of(QueryParams.parse(null, Set.of()), "5-2", true))
                .isInstanceOfSatisfying(
                        ApiError.class, e -> assertThat(e.status).isEqualTo(416));
    }

    @Test
    void writesContentRangeAsPostgrestDoes() {
        assertThat(RangeSpec.contentRange(0, 3, null)).isEqualTo("0-2/*");
        assertThat(RangeSpec.contentRange(0, 3, 3L)).isEqualTo("0-2/3");
        assertThat(RangeSpec.contentRange(1, 2, 3L)).isEqualTo("1-2/3");
        assertThat(RangeSpec.contentRange(0, 0, 0L)).isEqualTo("*/0");
        assertThat(RangeSpec.contentRange(0, 0, null)).isEqualTo("*/*");
    }

    @Test
    void readsPreferencesAndFlagsUnknownOnesOnlyWhenStrict() {
        Preferences p = Preferences.parse(Collections.enumeration(
                List.of("return=representation, count=exact", "resolution=merge-duplicates,missing=default")));
        assertThat(p.returning()).isEqualTo(Preferences.Return.REPRESENTATION);
        assertThat(p.count()).isEqualTo(Preferences.Count.EXACT);
        assertThat(p.resolution()).isEqualTo(Preferences.Resolution.MERGE_DUPLICATES);
        assertThat(p.missingDefault()).isTrue();
        p.rejectInvalidIfStrict();

        Preferences lenient = Preferences.parse(Collections.enumeration(List.of("return=everything")));
        lenient.rejectInvalidIfStrict();
        assertThat(lenient.returning()).isNull();

        Preferences strict = Preferences.parse(Collections.enumeration(List.of("handling=strict, return=everything")));
        assertThatThrownBy(strict::rejectInvalidIfStrict).isInstanceOfSatisfying(ApiError.class, e -> {
            assertThat(e.code).isEqualTo("PGRST122");
            assertThat(e.details).isEqualTo("Invalid preferences: return=everything");
        });
    }
}
