package dev.atelier.platform.account;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.atelier.platform.auth.UserAccounts;
import dev.atelier.platform.db.Caller;
import dev.atelier.platform.db.Database;
import dev.atelier.platform.http.JsonBody;
import dev.atelier.platform.http.Problem;
import java.io.IOException;
import java.sql.SQLException;
import java.time.Clock;
import java.util.Map;
import java.util.UUID;
import org.jspecify.annotations.Nullable;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;

/**
 * {@code GET /api/v1/me/export}: everything of the caller's in the five apps, as JSON, read as the
 * caller. {@code DELETE /api/v1/me}: the caller deletes their own account, showing their password
 * again (docs/adr/0020-user-administration.md).
 */
@RestController
class AccountController {

    private final Database database;
    private final UserData data;
    private final UserAccounts accounts;
    private final ObjectMapper json;
    private final Clock clock;

    AccountController(Database database, UserData data, UserAccounts accounts, ObjectMapper json, Clock clock) {
        this.database = database;
        this.data = data;
        this.accounts = accounts;
        this.json = json;
        this.clock = clock;
    }

    @GetMapping(path = "/api/v1/me/export", produces = MediaType.APPLICATION_JSON_VALUE)
    ResponseEntity<ObjectNode> export(Caller caller) throws SQLException {
        UUID user = user(caller);
        Map<String, Object> identity =
                accounts.user(user).orElseThrow(() -> Problem.notFound("the account no longer exists"));
        UserData.Export export = database.transaction(caller, true, tx -> data.export(tx.connection(), user));
        ObjectNode body = json.createObjectNode();
        body.put("exported_at", clock.instant().toString());
        body.set("user", json.valueToTree(identity));
        ObjectNode apps = body.putObject("data");
        try {
            for (Map.Entry<String, Map<String, String>> schema : export.tables().entrySet()) {
                ObjectNode tables = apps.putObject(schema.getKey());
                for (Map.Entry<String, String> table : schema.getValue().entrySet()) {
                    tables.set(table.getKey(), json.readTree(table.getValue()));
                }
            }
        } catch (IOException e) {
            throw new IllegalStateException("PostgreSQL returned JSON that does not parse", e);
        }
        body.set("not_readable", json.valueToTree(export.notReadable()));
        body.set("truncated", json.valueToTree(export.truncated()));
        return ResponseEntity.ok()
                .header("Content-Disposition", "attachment; filename=\"atelier-export-" + user + ".json\"")
                .header("Cache-Control", "no-store")
                .body(body);
    }

    /**
     * The caller's access token of a live session, and their password when the account has one: a
     * token left on a shared machine is not enough to erase an account. 204 when done.
     */
    @DeleteMapping(path = "/api/v1/me")
    ResponseEntity<Void> delete(Caller caller, @RequestBody(required = false) @Nullable JsonNode body)
            throws SQLException {
        UUID user = user(caller);
        String password = body == null ? null : JsonBody.text(JsonBody.object(body), "password");
        if (!accounts.reauthenticates(user, password)) {
            throw Problem.badInput(
                    "password",
                    password == null
                            ? "deleting the account needs its current password"
                            : "the password is not the account's");
        }
        if (!accounts.delete(user)) {
            throw Problem.notFound("the account no longer exists");
        }
        return ResponseEntity.noContent().build();
    }

    private static UUID user(Caller caller) {
        if (!"authenticated".equals(caller.role())) {
            throw Problem.signInRequired();
        }
        return caller.userId().orElseThrow(Problem::signInRequired);
    }
}
