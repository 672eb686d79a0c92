package dev.atelier.platform.rest;

import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * {@code Accept: application/geo+json} for reads, as PostgREST builds it: PostGIS's
 * {@code ST_AsGeoJSON(record)} of each row (its geometry column the Feature's geometry, the other
 * outputs its properties) in {@code {"type":"FeatureCollection","features":[...]}}. Without
 * PostGIS, PostgreSQL refuses the call (42883, "function st_asgeojson(record) does not exist") and
 * that is the answer, as PostgREST's; a row without a geometry column is PostGIS's 22023.
 */
final class GeoJsonSql {

    private GeoJsonSql() {}

    /** The page, its count (when asked) stopping at {@code countUpTo} rows when not null. */
    static Sql page(ReadPlan root, Sql from, boolean exactCount, @Nullable Long countUpTo) {
        Sql sql = new Sql()
                .sql("SELECT json_build_object('type', 'FeatureCollection', 'features', "
                        + "coalesce(json_agg(_p.j), '[]'))::text AS body, count(*) AS page_total, ");
        Sql rows = ReadSql.level(root, from, List.of(), true, feature(ReadSql.pairs(root), root.maxBytes));
        return ReadSql.withTotal(sql, root, from, exactCount, countUpTo, rows, "j");
    }

    /** {@code (SELECT ST_AsGeoJSON(_g)::json FROM (SELECT v1 AS "k1", ...) AS _g)}: the row's Feature. */
    private static Sql feature(List<ReadSql.Pair> outputs, long maxBytes) {
        Sql values = new Sql().sql("SELECT ");
        for (int i = 0; i < outputs.size(); i++) {
            values.sql(i == 0 ? "" : ", ")
                    .append(outputs.get(i).value())
                    .sql(" AS ")
                    .ident(outputs.get(i).key());
        }
        if (outputs.isEmpty()) {
            values.sql("NULL");
        }
        Sql feature = new Sql()
                .sql("(SELECT ST_AsGeoJSON(_g)::json FROM (")
                .append(values)
                .sql(") AS _g)");
        return new Sql()
                .append(ReadSql.guarded(outputs, feature, "json", maxBytes))
                .sql(" AS j");
    }
}
