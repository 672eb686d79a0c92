package dev.atelier.platform.db;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.atelier.testing.TestServer;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.postgresql.core.BaseConnection;
import org.postgresql.core.TransactionState;

/**
 * A transaction whose first statement goes in the round trip of its opening (role, claims,
 * settings), and for a read its COMMIT too: the statement runs as the caller with every setting
 * made, and a read has ended when its result is read.
 */
class FirstStatementTransactionTest {

    private static final String WHO = "select current_user::text, current_setting('request.jwt.claim.sub', true),"
            + " current_setting('transaction_read_only'), nullif(current_setting('request.method', true), ''), ?::text";

    private final Database database = TestServer.get().component(Database.class);
    private final Caller user = new Caller("authenticated", UUID.randomUUID().toString(), "");

    @Test
    void theFirstStatementRunsAsTheCallerWithItsSettingsAndAReadHasCommittedByThen() throws SQLException {
        String[] seen = database.transaction(
                user,
                true,
                Map.of("request.method", "GET"),
                WHO,
                (ps, first) -> ps.setString(first, "bound"),
                true,
                (tx, executed) -> {
                    assertThat(transactionState(tx)).isEqualTo(TransactionState.IDLE); // COMMIT went with it
                    return row(executed.getResultSet());
                });
        assertThat(seen).containsExactly("authenticated", user.subject(), "on", "GET", "bound");
    }

    @Test
    void aWriteStaysOpenForTheWorkAndCommitsAfterIt() throws SQLException {
        String[] seen = database.transaction(
                user, false, Map.of(), WHO, (ps, first) -> ps.setString(first, "w"), false, (tx, executed) -> {
                    assertThat(transactionState(tx)).isEqualTo(TransactionState.OPEN);
                    String[] row = row(executed.getResultSet());
                    try (var again = tx.connection().prepareStatement("select current_user::text");
                            ResultSet rs = again.executeQuery()) {
                        rs.next();
                        assertThat(rs.getString(1)).isEqualTo("authenticated"); // still the caller's transaction
                    }
                    return row;
                });
        assertThat(seen).containsExactly("authenticated", user.subject(), "off", null, "w");
    }

    @Test
    void onlyAReadCommitsWithItsStatementAndAFailingStatementLeavesTheConnectionClean() throws SQLException {
        assertThatThrownBy(() -> database.transaction(user, false, Map.of(), WHO, (ps, i) -> {}, true, (tx, ps) -> 1))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() ->
                        database.transaction(user, true, Map.of(), "select 1/0", (ps, i) -> {}, true, (tx, ps) -> 1))
                .isInstanceOfSatisfying(
                        SQLException.class, e -> assertThat(e.getSQLState()).isEqualTo("22012"));
        // Every pooled connection is usable again, as the anonymous role it is now asked for.
        for (int i = 0; i < 20; i++) {
            String role = database.transaction(
                    Caller.anon(), true, Map.of(), "select current_user::text", (ps, first) -> {}, true, (tx, ps) -> {
                        ResultSet rs = ps.getResultSet();
                        rs.next();
                        return rs.getString(1);
                    });
            assertThat(role).isEqualTo("anon");
        }
    }

    private static TransactionState transactionState(Database.Transaction tx) throws SQLException {
        return tx.connection().unwrap(BaseConnection.class).getTransactionState();
    }

    private static String[] row(ResultSet rs) throws SQLException {
        rs.next();
        String[] row = new String[5];
        for (int i = 0; i < 5; i++) {
            row[i] = rs.getString(i + 1);
        }
        return row;
    }
}
