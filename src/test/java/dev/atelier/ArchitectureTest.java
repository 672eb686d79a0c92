package dev.atelier;

import static com.tngtech.archunit.base.DescribedPredicate.not;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.belongToAnyOf;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAPackage;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noMethods;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.domain.Dependency;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaModifier;
import com.tngtech.archunit.core.domain.JavaPackage;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.core.importer.Location;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchCondition;
import com.tngtech.archunit.lang.ArchRule;
import com.tngtech.archunit.lang.ConditionEvents;
import com.tngtech.archunit.lang.SimpleConditionEvent;
import dev.atelier.platform.db.Caller;
import dev.atelier.platform.db.DataDirectory;
import dev.atelier.platform.db.Database;
import dev.atelier.platform.db.DatabaseTarget;
import dev.atelier.platform.db.EmbeddedDatabase;
import dev.atelier.platform.db.Migrations;
import java.util.Map;
import java.util.Set;
import org.jspecify.annotations.NullMarked;

/**
 * The boundaries of the design (docs/adr/0008-build-checks.md), checked on the main code's
 * classes at every {@code mvn verify}: a rule broken here fails the build with the offending
 * class and line.
 */
@AnalyzeClasses(packages = "dev.atelier", importOptions = ArchitectureTest.MainCodeWithoutGeneratedJooq.class)
class ArchitectureTest {

    private static final String APPS = "dev.atelier.apps..";
    private static final String PLATFORM = "dev.atelier.platform..";
    private static final String JOOQ = "dev.atelier.jooq";

    /** The generated code of a schema that no app of that name owns, and who owns it instead. */
    private static final Map<String, String> JOOQ_OWNERS = Map.of("auth", "dev.atelier.platform.auth");

    /** What platform.db offers: the request pool and its caller to everyone, the rest to the server's assembly. */
    private static final Set<Class<?>> DB_PUBLIC = Set.of(
            Caller.class,
            Database.class,
            DatabaseTarget.class,
            DataDirectory.class,
            EmbeddedDatabase.class,
            Migrations.class);

    @ArchTest
    static final ArchRule appsDoNotDependOnEachOther = slices().matching("dev.atelier.apps.(*)..")
            .should()
            .notDependOnEachOther()
            .because("apps call the platform, never each other");

    @ArchTest
    static final ArchRule platformDoesNotDependOnApps = noClasses()
            .that()
            .resideInAPackage(PLATFORM)
            .should()
            .dependOnClassesThat()
            .resideInAPackage(APPS)
            .because("every app leans on the platform, so the platform cannot lean on any app");

    @ArchTest
    static final ArchRule generatedJooqStaysWithItsOwner = classes()
            .that()
            .resideInAPackage("dev.atelier..")
            .should(useOnlyTheirOwnGeneratedJooq())
            .because("jOOQ types never cross an app boundary: dev.atelier.jooq.<schema> belongs to that schema's app");

    @ArchTest
    static final ArchRule repositoriesAreNotPublic = classes()
            .that()
            .haveSimpleNameEndingWith("Repository")
            .should()
            .notBePublic()
            .because("queries stay inside their package; other packages call its service");

    @ArchTest
    static final ArchRule databaseExposesOnlyWhatOthersNeed = classes()
            .that()
            .resideInAPackage("dev.atelier.platform.db")
            .and()
            .arePublic()
            .and()
            .areTopLevelClasses()
            .should(beOneOf(DB_PUBLIC))
            .because("platform.db's public surface is the request pool, its caller and what the server needs to"
                    + " start a database; anything else stays package-private");

    @ArchTest
    static final ArchRule appsUseOnlyTheRequestPool = noClasses()
            .that()
            .resideInAPackage(APPS)
            .should()
            .dependOnClassesThat(
                    resideInAPackage("dev.atelier.platform.db").and(not(belongToAnyOf(Caller.class, Database.class))))
            .because("an app runs its work through Database.transaction as a Caller; starting, migrating and"
                    + " locating the database is the server's");

    @ArchTest
    static final ArchRule onlyTheServerStartsTheDatabase = noClasses()
            .that()
            .resideOutsideOfPackages("dev.atelier", "dev.atelier.platform.db")
            .should()
            .dependOnClassesThat(
                    belongToAnyOf(DatabaseTarget.class, DataDirectory.class, EmbeddedDatabase.class, Migrations.class))
            .because("the server (package dev.atelier) assembles the database; the rest of the code only uses it");

    @ArchTest
    static final ArchRule periodicWorkRunsOnTheJobEngine = noMethods()
            .should()
            .beAnnotatedWith(org.springframework.scheduling.annotation.Scheduled.class)
            .because("@Scheduled runs on every server at once; periodic work is a job engine schedule, which runs"
                    + " once per period across all servers (JobEngine.schedule)");

    @ArchTest
    static final ArchRule everyPackageIsNullMarked = classes()
            .that()
            .resideInAPackage("dev.atelier..")
            .should(beInANullMarkedPackage())
            .because("NullAway checks @NullMarked code: a package without it would go unchecked");

    /**
     * The main code's classes. ImportOption.DoNotIncludeTests knows only target/test-classes, and the
     * build directory may be elsewhere (-Datelier.build.dir). The generated code is checked from the
     * side of its users; importing it would only cost time.
     */
    static final class MainCodeWithoutGeneratedJooq implements ImportOption {
        @Override
        public boolean includes(Location location) {
            return !location.contains("/test-classes/") && !location.contains("/dev/atelier/jooq/");
        }
    }

    private static ArchCondition<JavaClass> useOnlyTheirOwnGeneratedJooq() {
        return new ArchCondition<>("use generated jOOQ code of their own schema only") {
            @Override
            public void check(JavaClass item, ConditionEvents events) {
                for (Dependency d : item.getDirectDependenciesFromSelf()) {
                    String target = d.getTargetClass().getPackageName();
                    if (!target.startsWith(JOOQ + ".")) {
                        continue;
                    }
                    String schema = target.substring(JOOQ.length() + 1).split("\\.", 2)[0];
                    String owner = JOOQ_OWNERS.getOrDefault(schema, "dev.atelier.apps." + schema);
                    String origin = item.getPackageName();
                    if (!origin.equals(owner) && !origin.startsWith(owner + ".")) {
                        events.add(SimpleConditionEvent.violated(
                                d, d.getDescription() + ", but " + JOOQ + "." + schema + " belongs to " + owner));
                    }
                }
            }
        };
    }

    private static ArchCondition<JavaClass> beOneOf(Set<Class<?>> allowed) {
        return new ArchCondition<>("be one of "
                + allowed.stream().map(Class::getSimpleName).sorted().toList()) {
            @Override
            public void check(JavaClass item, ConditionEvents events) {
                boolean listed = allowed.stream().anyMatch(c -> c.getName().equals(item.getName()));
                if (!listed) {
                    events.add(SimpleConditionEvent.violated(
                            item,
                            item.getName()
                                    + " is public but not part of platform.db's surface: make it package-private, or add it"
                                    + " to ArchitectureTest.DB_PUBLIC if code outside platform.db needs it"));
                }
            }
        };
    }

    private static ArchCondition<JavaClass> beInANullMarkedPackage() {
        return new ArchCondition<>("be in a package whose package-info is @NullMarked") {
            @Override
            public void check(JavaClass item, ConditionEvents events) {
                if (item.getModifiers().contains(JavaModifier.SYNTHETIC)) {
                    return;
                }
                JavaPackage pkg = item.getPackage();
                if (!pkg.isAnnotatedWith(NullMarked.class)) {
                    events.add(SimpleConditionEvent.violated(
                            item,
                            "package " + pkg.getName() + " of " + item.getName()
                                    + " has no package-info.java annotated @NullMarked"));
                }
            }
        };
    }
}
