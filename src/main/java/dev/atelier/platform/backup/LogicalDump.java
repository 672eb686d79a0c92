package dev.atelier.platform.backup;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.StringReader;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.function.Consumer;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;
import org.postgresql.PGConnection;
import org.postgresql.copy.CopyManager;

/**
 * A logical, version-portable dump of Atelier's data: the schema by its migration version (an
 * import first migrates the target up to that version) and every table's rows in COPY's text
 * format, with each table's row count and checksum and each sequence's value. The file is
 * gzip-compressed: a magic line, then the manifest (a properties text) and the tables, each as
 * its name followed by length-prefixed chunks of COPY output and a zero length.
 */
public final class LogicalDump {

    private static final String MAGIC = "ATELIER-DUMP 1";
    private static final int CHUNK = 1 << 16;

    /** A dump's manifest: the schema version, the tables' figures, the sequences. */
    public record Manifest(Properties properties) {
        public String schemaVersion() {
            return properties.getProperty("schema_version");
        }

        Map<String, TableFigures.Figure> figures() {
            return TableFigures.read(properties);
        }

        public int tables() {
            return figures().size();
        }

        public long rows() {
            return figures().values().stream()
                    .mapToLong(TableFigures.Figure::rows)
                    .sum();
        }
    }

    private LogicalDump() {}

    /**
     * Writes the dump of the database {@code c} is connected to (as its owner) into {@code file},
     * all tables from one snapshot (a repeatable-read, read-only transaction).
     */
    public static Manifest export(Connection c, Path file, Consumer<String> progress) throws IOException, SQLException {
        c.setAutoCommit(false);
        try (Statement st = c.createStatement()) {
            st.execute("set transaction isolation level repeatable read, read only");
        }
        Path partial = file.resolveSibling(file.getFileName() + ".partial");
        try {
            Properties manifest = new Properties();
            manifest.setProperty("schema_version", schemaVersion(c));
            List<String> tables = exported(c);
            progress.accept("counting " + tables.size() + " tables");
            TableFigures.write(TableFigures.of(c, tables), manifest);
            for (String[] seq : sequences(c)) {
                manifest.setProperty("sequence." + seq[0], seq[1] + ":" + seq[2]);
            }
            CopyManager copy = c.unwrap(PGConnection.class).getCopyAPI();
            try (DataOutputStream out = new DataOutputStream(
                    new BufferedOutputStream(new GZIPOutputStream(Files.newOutputStream(partial), CHUNK), CHUNK))) {
                out.write((MAGIC + "\n").getBytes(StandardCharsets.UTF_8));
                StringWriter text = new StringWriter();
                manifest.store(text, "Atelier logical dump");
                writeString(out, text.toString());
                int done = 0;
                for (String table : tables) {
                    writeString(out, table);
                    try (ChunkedOutput chunks = new ChunkedOutput(out)) {
                        copy.copyOut("copy " + table + " to stdout", chunks);
                    }
                    out.writeInt(0);
                    done++;
                    if (done % 25 == 0 || done == tables.size()) {
                        progress.accept("exported " + done + "/" + tables.size() + " tables");
                    }
                }
                writeString(out, "");
            }
            c.commit();
            Files.move(partial, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            return new Manifest(manifest);
        } catch (IOException | SQLException | RuntimeException e) {
            c.rollback();
            Files.deleteIfExists(partial);
            throw e;
        }
    }

    /** The manifest of a dump, read without loading it: what {@code atelier import} migrates the target to. */
    public static Manifest manifest(Path file) throws IOException {
        try (DataInputStream in = open(file)) {
            return readManifest(in);
        }
    }

    /**
     * Loads a dump into the database {@code c} is connected to (as a superuser, or a role that may
     * set session_replication_role), already migrated to the dump's schema version and holding no
     * users: in one transaction, empties every table of the dump, copies the rows in with triggers
     * (and so foreign-key checks) off, sets the sequences, and compares every table's count and
     * checksum with the dump's before committing. Anything different rolls it all back.
     */
    public static Manifest load(Connection c, Path file, Consumer<String> progress) throws IOException, SQLException {
        try (DataInputStream in = open(file)) {
            Manifest manifest = readManifest(in);
            String version = schemaVersion(c);
            if (!version.equals(manifest.schemaVersion())) {
                throw new IllegalStateException("the target database is at schema version " + version
                        + " but the dump is of version " + manifest.schemaVersion());
            }
            c.setAutoCommit(false);
            try {
                try (Statement st = c.createStatement();
                        ResultSet rs = st.executeQuery("select count(*) from auth.users")) {
                    rs.next();
                    if (rs.getLong(1) > 0) {
                        throw new IllegalStateException("the target database already has " + rs.getLong(1)
                                + " users: import only into a new, empty database");
                    }
                }
                List<String> tables = new ArrayList<>(manifest.figures().keySet());
                try (Statement st = c.createStatement()) {
                    st.execute("set local session_replication_role = replica");
                    if (!tables.isEmpty()) {
                        st.execute("truncate " + String.join(", ", tables));
                    }
                }
                CopyManager copy = c.unwrap(PGConnection.class).getCopyAPI();
                int done = 0;
                while (true) {
                    String table = readString(in);
                    if (table.isEmpty()) {
                        break;
                    }
                    if (!tables.contains(table)) {
                        throw new IOException("the dump holds a table its manifest does not list: " + table);
                    }
                    copy.copyIn("copy " + table + " from stdin", new ChunkedInput(in));
                    done++;
                    if (done % 25 == 0 || done == tables.size()) {
                        progress.accept("imported " + done + "/" + tables.size() + " tables");
                    }
                }
                for (String key : manifest.properties().stringPropertyNames()) {
                    if (key.startsWith("sequence.")) {
                        String[] value = manifest.properties().getProperty(key).split(":");
                        try (PreparedStatement ps = c.prepareStatement("select setval(?::regclass, ?, ?)")) {
                            ps.setString(1, key.substring("sequence.".length()));
                            ps.setLong(2, Long.parseLong(value[0]));
                            ps.setBoolean(3, Boolean.parseBoolean(value[1]));
                            ps.execute();
                        }
                    }
                }
                progress.accept("comparing every table's count and checksum with the dump's");
                List<String> differences = TableFigures.differences(manifest.figures(), TableFigures.of(c, tables));
                if (!differences.isEmpty()) {
                    throw new IllegalStateException(
                            "the imported data differs from the dump: " + String.join("; ", differences));
                }
                c.commit();
                return manifest;
            } catch (IOException | SQLException | RuntimeException e) {
                c.rollback();
                throw e;
            }
        }
    }

    /** The tables a dump holds: every logged or unlogged table but the installation's own (its login role, the migration history). */
    static List<String> exported(Connection c) throws SQLException {
        List<String> tables = new ArrayList<>(TableFigures.tables(c, false));
        tables.removeIf(TableFigures.INSTANCE_TABLES::contains);
        return tables;
    }

    private static String schemaVersion(Connection c) throws SQLException {
        try (Statement st = c.createStatement();
                ResultSet rs = st.executeQuery("select version from platform.flyway_schema_history"
                        + " where success and version is not null order by installed_rank desc limit 1")) {
            if (!rs.next()) {
                throw new IllegalStateException("the database has no Atelier schema (no migrations applied)");
            }
            return rs.getString(1);
        }
    }

    private static List<String[]> sequences(Connection c) throws SQLException {
        List<String> names = new ArrayList<>();
        try (Statement st = c.createStatement();
                ResultSet rs = st.executeQuery("""
                        select format('%I.%I', n.nspname, s.relname)
                          from pg_class s join pg_namespace n on n.oid = s.relnamespace
                         where s.relkind = 'S'
                           and n.nspname <> 'information_schema' and n.nspname not like 'pg\\_%'
                         order by 1""")) {
            while (rs.next()) {
                names.add(rs.getString(1));
            }
        }
        List<String[]> values = new ArrayList<>();
        for (String name : names) {
            try (Statement st = c.createStatement();
                    ResultSet rs = st.executeQuery("select last_value, is_called from " + name)) {
                rs.next();
                values.add(new String[] {name, rs.getString(1), Boolean.toString(rs.getBoolean(2))});
            }
        }
        return values;
    }

    private static DataInputStream open(Path file) throws IOException {
        DataInputStream in = new DataInputStream(
                new BufferedInputStream(new GZIPInputStream(Files.newInputStream(file), CHUNK), CHUNK));
        byte[] magic = new byte[MAGIC.length() + 1];
        try {
            in.readFully(magic);
        } catch (EOFException e) {
            in.close();
            throw new IOException(file + " is not an Atelier dump");
        }
        if (!new String(magic, StandardCharsets.UTF_8).equals(MAGIC + "\n")) {
            in.close();
            throw new IOException(file + " is not an Atelier dump (written by atelier export)");
        }
        return in;
    }

    private static Manifest readManifest(DataInputStream in) throws IOException {
        Properties p = new Properties();
        p.load(new StringReader(readString(in)));
        if (p.getProperty("schema_version") == null) {
            throw new IOException("the dump's manifest names no schema version");
        }
        return new Manifest(p);
    }

    private static void writeString(DataOutputStream out, String s) throws IOException {
        byte[] bytes = s.getBytes(StandardCharsets.UTF_8);
        out.writeInt(bytes.length);
        out.write(bytes);
    }

    private static String readString(DataInputStream in) throws IOException {
        int length = in.readInt();
        if (length < 0 || length > 64 << 20) {
            throw new IOException("the dump is damaged (a length of " + length + ")");
        }
        byte[] bytes = new byte[length];
        in.readFully(bytes);
        return new String(bytes, StandardCharsets.UTF_8);
    }

    /** COPY output cut into length-prefixed chunks; closing it does not close the dump. */
    private static final class ChunkedOutput extends OutputStream {
        private final DataOutputStream out;

        ChunkedOutput(DataOutputStream out) {
            this.out = out;
        }

        @Override
        public void write(int b) throws IOException {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            if (len > 0) {
                out.writeInt(len);
                out.write(b, off, len);
            }
        }
    }

    /** One table's chunks as a stream, ending at its zero length. */
    private static final class ChunkedInput extends InputStream {
        private final DataInputStream in;
        private int left;
        private boolean ended;

        ChunkedInput(DataInputStream in) {
            this.in = in;
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (ended) {
                return -1;
            }
            if (left == 0) {
                left = in.readInt();
                if (left == 0) {
                    ended = true;
                    return -1;
                }
                if (left < 0) {
                    throw new IOException("the dump is damaged (a chunk of " + left + " bytes)");
                }
            }
            int n = in.read(b, off, Math.min(len, left));
            if (n < 0) {
                throw new EOFException("the dump ends in the middle of a table");
            }
            left -= n;
            return n;
        }
    }
}
