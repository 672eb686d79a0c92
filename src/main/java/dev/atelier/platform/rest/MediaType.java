package dev.atelier.platform.rest;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.jspecify.annotations.Nullable;

/** The response formats the Data API can produce, chosen from the Accept header. */
enum MediaType {
    JSON("application/json; charset=utf-8"),
    SINGLE_OBJECT("application/vnd.pgrst.object+json; charset=utf-8"),
    CSV("text/csv; charset=utf-8"),
    GEOJSON("application/geo+json; charset=utf-8"),
    OPENAPI("application/openapi+json; charset=utf-8"),
    /** An execution plan of the statement another media type would run: see {@link Explain}. */
    PLAN("application/vnd.pgrst.plan+text; charset=utf-8");

    final String contentType;

    MediaType(String contentType) {
        this.contentType = contentType;
    }

    /** The type without parameters, as PostgREST names it in messages and in a plan's {@code for}. */
    String mime() {
        return contentType.substring(0, contentType.indexOf(';'));
    }

    /**
     * The first acceptable type in the header's order (PostgREST ignores q-values too); a missing
     * header means JSON. None acceptable: 406 PGRST107 naming each type asked for. A plan
     * ({@code application/vnd.pgrst.plan[+json|+text]}) is acceptable only when plans are enabled
     * (PostgREST's db-plan-enabled) and its {@code for} type is; then the answer is {@link #PLAN}
     * and {@link Explain#of} gives its parameters.
     */
    static MediaType negotiate(@Nullable String accept, boolean root, boolean plansEnabled) {
        if (accept == null || accept.isBlank()) {
            return root ? OPENAPI : JSON;
        }
        List<String> asked = new ArrayList<>();
        for (String range : accept.split(",")) {
            String type = type(range);
            if (isPlan(type)) {
                Explain explain = Explain.parse(range);
                asked.add(explain.mime());
                if (plansEnabled && !root && explain.target() != null) {
                    return PLAN;
                }
                continue;
            }
            asked.add(type.isEmpty() ? range.trim() : type);
            MediaType media = plain(type, root);
            if (media != null) {
                return media;
            }
        }
        throw ErrorCode.PGRST107.error(String.join(", ", asked));
    }

    /** The type a plain (not a plan) media range stands for, or null when it is not produced here. */
    private static @Nullable MediaType plain(String type, boolean root) {
        return switch (type) {
            case "*/*", "application/*", "", "application/json", "application/vnd.pgrst.array+json" ->
                root ? OPENAPI : JSON;
            case "application/openapi+json" -> root ? OPENAPI : null;
            case "application/vnd.pgrst.object+json", "application/vnd.pgrst.object" -> root ? null : SINGLE_OBJECT;
            case "text/csv" -> root ? null : CSV;
            case "application/geo+json" -> root ? null : GEOJSON;
            default -> null;
        };
    }

    private static String type(String range) {
        return range.split(";")[0].trim().toLowerCase(Locale.ROOT);
    }

    private static boolean isPlan(String type) {
        return type.equals("application/vnd.pgrst.plan")
                || type.equals("application/vnd.pgrst.plan+json")
                || type.equals("application/vnd.pgrst.plan+text");
    }

    /**
     * {@code Accept: application/vnd.pgrst.plan[+json|+text]; for="..."; options=a|b}: PostgreSQL's
     * EXPLAIN of the statement the {@code for} type (application/json by default) would run.
     *
     * @param json    FORMAT JSON (+json) rather than FORMAT TEXT (the default)
     * @param target  the media type the plan is for; null when this API does not produce it
     * @param forMime the {@code for} type as asked (lower case), for the messages and Content-Type
     * @param options EXPLAIN's options among analyze, verbose, settings, buffers and wal, in that order
     */
    record Explain(boolean json, @Nullable MediaType target, String forMime, List<String> options) {

        static final List<String> OPTIONS = List.of("analyze", "verbose", "settings", "buffers", "wal");

        /** The plan range negotiation chose: the header's first plan range for a type produced here. */
        static Explain of(String accept) {
            for (String range : accept.split(",")) {
                if (isPlan(type(range))) {
                    Explain explain = parse(range);
                    if (explain.target() != null) {
                        return explain;
                    }
                }
            }
            throw new IllegalStateException("no plan media type in " + accept);
        }

        static Explain parse(String range) {
            String[] parts = range.split(";");
            boolean json = type(range).endsWith("+json");
            String forMime = "application/json";
            List<String> asked = List.of();
            for (int i = 1; i < parts.length; i++) {
                String part = parts[i].trim();
                int eq = part.indexOf('=');
                if (eq < 0) {
                    continue;
                }
                String name = part.substring(0, eq).trim().toLowerCase(Locale.ROOT);
                String value = part.substring(eq + 1).trim();
                if (value.length() >= 2 && value.startsWith("\"") && value.endsWith("\"")) {
                    value = value.substring(1, value.length() - 1);
                }
                if (name.equals("for")) {
                    forMime = value.trim().toLowerCase(Locale.ROOT);
                } else if (name.equals("options")) {
                    asked = List.of(value.toLowerCase(Locale.ROOT).split("\\|"));
                }
            }
            List<String> options = new ArrayList<>();
            for (String option : OPTIONS) {
                if (asked.contains(option)) {
                    options.add(option);
                }
            }
            MediaType target = plain(forMime, false);
            if (target != null && (forMime.equals("*/*") || forMime.equals("application/*") || forMime.isEmpty())) {
                target = null; // PostgREST plans only for a concrete type
            }
            if (target == SINGLE_OBJECT) {
                forMime = "application/vnd.pgrst.object+json";
            } else if (target == JSON) {
                forMime = "application/json";
            }
            return new Explain(json, target, forMime, List.copyOf(options));
        }

        /** The type as PostgREST writes it back: {@code application/vnd.pgrst.plan+json; for="..."; options=a|b}. */
        String mime() {
            return "application/vnd.pgrst.plan+" + (json ? "json" : "text") + "; for=\"" + forMime + "\""
                    + (options.isEmpty() ? "" : "; options=" + String.join("|", options));
        }

        String contentType() {
            return mime() + "; charset=utf-8";
        }

        /** {@code EXPLAIN (FORMAT ..., ANALYZE, ...)}: only fixed keywords, nothing from the client verbatim. */
        String explainPrefix() {
            StringBuilder sql = new StringBuilder("EXPLAIN (FORMAT ").append(json ? "JSON" : "TEXT");
            for (String option : options) {
                sql.append(", ").append(option.toUpperCase(Locale.ROOT));
            }
            return sql.append(") ").toString();
        }

        boolean analyze() {
            return options.contains("analyze");
        }
    }
}
