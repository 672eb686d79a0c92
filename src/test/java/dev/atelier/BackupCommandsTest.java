package dev.atelier;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.atelier.platform.backup.BackupSettings;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The backup commands' arguments and the mistakes an operator makes, answered in one line with
 * exit status 1 or 2, before any database starts. (The round trip itself is BackupIT.)
 */
class BackupCommandsTest {

    @TempDir
    Path dir;

    private record Run(int code, String out, String err) {}

    private static Run run(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = Atelier.run(
                args,
                new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    @Test
    void restoreTakesItsOwnOptionsBesideTheCommonOnes() {
        List<String> rest = new ArrayList<>(
                List.of("--data-dir", "/srv/atelier", "--to", "/srv/restored", "--at", "2026-11-27 10:15:00"));
        BackupCommands.Args args = BackupCommands.parse("restore", rest);
        assertThat(args.to()).isEqualTo(Path.of("/srv/restored"));
        assertThat(args.at()).isEqualTo(Instant.parse("2026-11-27T10:15:00Z"));
        assertThat(rest).containsExactly("--data-dir", "/srv/atelier");
        assertThat(BackupCommands.parse("restore", new ArrayList<>(List.of("--to=/x", "--latest")))
                        .at())
                .isNull();
        assertThat(BackupCommands.timestamp("2026-11-27T12:15:00+02:00"))
                .isEqualTo(Instant.parse("2026-11-27T10:15:00Z"));
        assertThat(BackupCommands.parse("backup", new ArrayList<>(List.of("verify")))
                        .command())
                .isEqualTo("backup verify");
        assertThat(BackupCommands.parse("export", new ArrayList<>(List.of("out.dump")))
                        .file())
                .isEqualTo(Path.of("out.dump").toAbsolutePath());
    }

    @Test
    void mistakesAreNamedInOneLine() {
        assertThatThrownBy(
                        () -> BackupCommands.parse("restore", new ArrayList<>(List.of("--at", "2026-11-27T10:00:00Z"))))
                .hasMessageContaining("restore needs --to DIR");
        assertThatThrownBy(() -> BackupCommands.parse(
                        "restore", new ArrayList<>(List.of("--to", "x", "--at", "2026-11-27T10:00:00Z", "--latest"))))
                .hasMessageContaining("not both");
        assertThatThrownBy(() ->
                        BackupCommands.parse("restore", new ArrayList<>(List.of("--to", "x", "--at", "yesterday"))))
                .hasMessageContaining("--at must be a timestamp");
        assertThatThrownBy(() -> BackupCommands.parse("backup", new ArrayList<>(List.of("lst"))))
                .hasMessageContaining("unknown backup subcommand 'lst'");
        assertThatThrownBy(() -> BackupCommands.parse("import", new ArrayList<>()))
                .hasMessageContaining("import needs a FILE");

        Run usage = run("restore", "--data-dir", dir.toString());
        assertThat(usage.code()).isEqualTo(1);
        assertThat(usage.err()).contains("restore needs --to DIR");
    }

    @Test
    void withoutBackupsListVerifyAndRestoreSaySo() {
        String data = dir.resolve("data").toString();
        for (String[] command :
                List.of(new String[] {"backup", "list"}, new String[] {"backup", "verify"}, new String[] {
                    "restore", "--to", dir.resolve("new").toString()
                })) {
            List<String> args = new ArrayList<>(List.of(command));
            args.addAll(List.of("--data-dir", data));
            Run r = run(args.toArray(String[]::new));
            assertThat(r.code()).as(String.join(" ", command)).isEqualTo(1);
            assertThat(r.err()).contains("no base backups in " + dir.resolve("data-backups"));
        }
        Run backup = run("backup", "--data-dir", data);
        assertThat(backup.code()).isEqualTo(1);
        assertThat(backup.err()).contains("there is no Atelier database in " + data);
        assertThat(Files.exists(dir.resolve("data"))).isFalse();
    }

    @Test
    void settingsDefaultBesideTheDataDirectoryAndNeverInsideIt() {
        // Enabled by default, but the shared TestServer turns it off by system property in this JVM.
        Map<String, String> on = Map.of("ATELIER_BACKUP_ENABLED", "true");
        BackupSettings defaults = BackupSettings.of(dir.resolve("atelier-data"), on::get);
        assertThat(defaults.directory()).isEqualTo(dir.resolve("atelier-data-backups"));
        assertThat(defaults.enabled()).isTrue();
        assertThat(defaults.retention().toDays()).isEqualTo(30);
        assertThat(defaults.schedule()).isEqualTo("0 3 * * *");
        assertThat(defaults.serverSettings()).contains("archive_mode=on", "archive_timeout=60");

        Map<String, String> inside =
                Map.of("ATELIER_BACKUP_DIR", dir.resolve("atelier-data/backups").toString());
        assertThatThrownBy(() -> BackupSettings.of(dir.resolve("atelier-data"), inside::get))
                .hasMessageContaining("must not be inside the data directory");
        Map<String, String> days = Map.of("ATELIER_BACKUP_RETENTION_DAYS", "-3");
        assertThatThrownBy(() -> BackupSettings.of(dir.resolve("atelier-data"), days::get))
                .hasMessageContaining("ATELIER_BACKUP_RETENTION_DAYS must be a positive whole number");
        Map<String, String> off = Map.of("ATELIER_BACKUP_ENABLED", "false");
        assertThat(BackupSettings.of(dir.resolve("atelier-data"), off::get).serverSettings())
                .isEmpty();
    }
}
