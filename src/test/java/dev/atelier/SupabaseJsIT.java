package dev.atelier;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The supabase-js suite in {@code test/js} ({@code npm test}, Node's own runner) against the packaged
 * jar. It runs as an integration test rather than as a Maven step of its own so that failsafe can run
 * it beside the other process-level tests; {@code npm ci} stays a Maven step before it. Its whole
 * output is kept in {@code test/js/last-run.log}; a failure shows the failing part of it.
 */
class SupabaseJsIT {

    private static final Path SUITE = Path.of("test", "js");

    @Test
    void theSupabaseJsSuitePasses() throws IOException, InterruptedException {
        String jar = System.getProperty("atelier.jar");
        assertThat(jar).as("the system property atelier.jar (set by the pom)").isNotBlank();
        Path log = SUITE.resolve("last-run.log");
        ProcessBuilder npm = new ProcessBuilder(List.of("npm", "test"))
                .directory(SUITE.toFile())
                .redirectErrorStream(true)
                .redirectOutput(log.toFile());
        npm.environment().put("ATELIER_JAR", Path.of(jar).toAbsolutePath().toString());
        npm.environment().remove("DATABASE_URL");
        Process run = npm.start();
        boolean finished = run.waitFor(10, TimeUnit.MINUTES);
        if (!finished) {
            run.destroyForcibly();
        }
        String output = Files.readString(log, StandardCharsets.UTF_8);
        // node --test ends with a summary ("# tests 137", "# pass 137", "# fail 0"); print it, so the
        // report says what ran.
        System.out.println(summary(output));
        assertThat(finished).as("npm test finished within 10 minutes").isTrue();
        assertThat(run.exitValue())
                .as("npm test exit status; its failures:\n%s", failures(output))
                .isZero();
        assertThat(output).as("node --test ran tests").containsPattern("(?m)^# pass [1-9]");
    }

    private static String summary(String output) {
        return output.lines().filter(l -> l.startsWith("# ")).reduce("", (a, b) -> a + b + "\n");
    }

    /** The lines from each "not ok" to the end of its YAML block, at most 200 lines. */
    private static String failures(String output) {
        List<String> lines = output.lines().toList();
        StringBuilder failed = new StringBuilder();
        int kept = 0;
        boolean inFailure = false;
        for (String line : lines) {
            if (line.stripLeading().startsWith("not ok")) {
                inFailure = true;
            } else if (line.stripLeading().startsWith("ok ")) {
                inFailure = false;
            }
            if (inFailure && kept++ < 200) {
                failed.append(line).append('\n');
            }
        }
        return failed.length() == 0
                ? String.join("\n", lines.subList(Math.max(0, lines.size() - 60), lines.size()))
                : failed.toString();
    }
}
