package dev.atelier.platform.rest;

import java.util.List;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/** A horizontal filter such as {@code age=not.gte.18}: a field, an optional negation and an operation. */
record Filter(Field field, boolean negated, Operation operation) {

    sealed interface Operation {}

    /**
     * {@code eq.value}, {@code like.a*}, {@code cs.{a,b}}, ...; with a quantifier,
     * {@code like(any).{a*,b*}} compares with ANY or ALL elements of an array literal.
     */
    record Simple(Operator operator, String value, @Nullable Quantifier quantifier) implements Operation {
        Simple(Operator operator, String value) {
            this(operator, value, null);
        }
    }

    enum Quantifier {
        ANY,
        ALL
    }

    /** {@code in.(a,"b,c")}. */
    record In(List<String> values) implements Operation {
        In {
            values = List.copyOf(values);
        }
    }

    /** {@code is.null|true|false|unknown}. */
    record Is(Trilean value) implements Operation {}

    /** {@code fts(config).query} and its plain, phrase and websearch variants. */
    record FullText(FtsOperator operator, @Nullable String config, String query) implements Operation {}

    enum Trilean {
        NULL,
        TRUE,
        FALSE,
        UNKNOWN
    }

    /** The single-value operators and the SQL operator each stands for. */
    enum Operator {
        EQ("eq", "="),
        NEQ("neq", "<>"),
        GT("gt", ">"),
        GTE("gte", ">="),
        LT("lt", "<"),
        LTE("lte", "<="),
        LIKE("like", "LIKE"),
        ILIKE("ilike", "ILIKE"),
        MATCH("match", "~"),
        IMATCH("imatch", "~*"),
        CS("cs", "@>"),
        CD("cd", "<@"),
        OV("ov", "&&"),
        SL("sl", "<<"),
        SR("sr", ">>"),
        NXR("nxr", "&<"),
        NXL("nxl", "&>"),
        ADJ("adj", "-|-"),
        ISDISTINCT("isdistinct", "IS DISTINCT FROM");

        final String token;
        final String sql;

        Operator(String token, String sql) {
            this.token = token;
            this.sql = sql;
        }

        static Optional<Operator> of(String token) {
            for (Operator op : values()) {
                if (op.token.equals(token)) {
                    return Optional.of(op);
                }
            }
            return Optional.empty();
        }

        /** The operators PostgREST lets take {@code (any)} / {@code (all)}. */
        boolean quantifiable() {
            return switch (this) {
                case EQ, GT, GTE, LT, LTE, LIKE, ILIKE, MATCH, IMATCH -> true;
                default -> false;
            };
        }
    }

    enum FtsOperator {
        FTS("fts", "to_tsquery"),
        PLFTS("plfts", "plainto_tsquery"),
        PHFTS("phfts", "phraseto_tsquery"),
        WFTS("wfts", "websearch_to_tsquery");

        final String token;
        final String function;

        FtsOperator(String token, String function) {
            this.token = token;
            this.function = function;
        }

        static @Nullable FtsOperator of(String token) {
            for (FtsOperator op : values()) {
                if (op.token.equals(token)) {
                    return op;
                }
            }
            return null;
        }
    }
}
