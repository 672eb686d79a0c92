package dev.atelier.tools;

import dev.atelier.platform.db.DataDirectory;
import dev.atelier.platform.db.DatabaseTarget;
import dev.atelier.platform.db.EmbeddedDatabase;
import dev.atelier.platform.db.Migrations;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.jooq.codegen.GenerationTool;
import org.jooq.meta.jaxb.Configuration;
import org.jooq.meta.jaxb.Database;
import org.jooq.meta.jaxb.Generate;
import org.jooq.meta.jaxb.Generator;
import org.jooq.meta.jaxb.Jdbc;
import org.jooq.meta.jaxb.SchemaMappingType;
import org.jooq.meta.jaxb.Target;

/**
 * Regenerates the committed jOOQ classes in {@code src/main/jooq} from the migrations, applied to a
 * throw-away embedded PostgreSQL. Run it after changing a migration:
 * {@code mvn -q test-compile exec:java -Dexec.classpathScope=test -Dexec.mainClass=dev.atelier.tools.JooqCodegen}
 * or simply run {@code JooqCodegenTest} with {@code -Datelier.codegen.write=true}.
 */
public final class JooqCodegen {

    /** The schemas the Java code queries with generated types; the data API needs none. */
    static final List<String> SCHEMAS = List.of("auth", "infinitestories", "moodscale", "rotation");

    static final String PACKAGE = "dev.atelier.jooq";

    private JooqCodegen() {}

    public static void main(String[] args) throws Exception {
        generate(Path.of(args.length > 0 ? args[0] : "src/main/jooq"));
    }

    /** Into {@code outputDirectory}, from a throw-away embedded cluster of its own. */
    static void generate(Path outputDirectory) throws Exception {
        try (DataDirectory scratch = DataDirectory.lock(Files.createTempDirectory("atelier-codegen-"));
                EmbeddedDatabase postgres = EmbeddedDatabase.start(scratch)) {
            generate(outputDirectory, postgres.target());
        }
    }

    /** Into {@code outputDirectory}, from {@code target}: an empty database, migrated here. */
    static void generate(Path outputDirectory, DatabaseTarget target) throws Exception {
        Migrations.prepare(target, "0".repeat(64), "0123456789abcdef0123456789abcdef");
        Database database = new Database()
                .withName("org.jooq.meta.postgres.PostgresDatabase")
                .withIncludes(".*")
                .withExcludes("flyway_schema_history");
        SCHEMAS.forEach(schema -> database.withSchemata(new SchemaMappingType().withInputSchema(schema)));
        GenerationTool.generate(new Configuration()
                .withJdbc(new Jdbc()
                        .withDriver("org.postgresql.Driver")
                        .withUrl(target.jdbcUrl())
                        .withUser(target.ownerUser())
                        .withPassword(target.ownerPassword()))
                .withGenerator(new Generator()
                        .withName("org.jooq.codegen.JavaGenerator")
                        .withDatabase(database)
                        .withGenerate(new Generate()
                                .withGeneratedAnnotation(false)
                                .withJavaTimeTypes(true)
                                .withRecords(true)
                                .withPojos(false)
                                .withRoutines(false)
                                // Path types break when two schemas' "users" tables reference
                                // each other (auth.users <- moodscale.users); we join explicitly.
                                .withImplicitJoinPathTableSubtypes(false)
                                .withImplicitJoinPathsToOne(false)
                                .withImplicitJoinPathsToMany(false))
                        .withTarget(new Target()
                                .withPackageName(PACKAGE)
                                .withDirectory(outputDirectory.toString())
                                .withClean(true))));
    }
}
