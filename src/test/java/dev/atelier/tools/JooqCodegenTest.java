package dev.atelier.tools;

import static org.assertj.core.api.Assertions.assertThat;

import dev.atelier.testing.TestServer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The committed jOOQ classes must be what the current migrations generate. */
class JooqCodegenTest {

    private static final Path COMMITTED = Path.of("src/main/jooq");

    @Test
    void committedJooqCodeMatchesTheMigrations(@TempDir Path fresh) throws Exception {
        JooqCodegen.generate(fresh, TestServer.get().scratchDatabase("codegen"));
        if (Boolean.getBoolean("atelier.codegen.write")) {
            JooqCodegen.generate(COMMITTED, TestServer.get().scratchDatabase("codegen"));
        }
        assertThat(contents(COMMITTED))
                .as("src/main/jooq is stale: regenerate it with "
                        + "mvn test -Dtest=JooqCodegenTest -Datelier.codegen.write=true and commit the result")
                .isEqualTo(contents(fresh));
    }

    private static Map<String, String> contents(Path root) throws IOException {
        Map<String, String> files = new TreeMap<>();
        if (!Files.isDirectory(root)) {
            return files;
        }
        try (Stream<Path> walk = Files.walk(root)) {
            for (Path file : walk.filter(Files::isRegularFile).toList()) {
                files.put(root.relativize(file).toString(), Files.readString(file));
            }
        }
        return files;
    }
}
