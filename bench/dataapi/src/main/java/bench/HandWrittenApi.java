package bench;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.crypto.MACVerifier;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import java.nio.charset.StandardCharsets;
import java.text.ParseException;
import java.time.OffsetDateTime;
import java.util.Date;
import java.util.List;
import java.util.UUID;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * What a Java team would write instead of the data API for bench/dataapi's four requests: Spring
 * MVC, Jackson, JdbcTemplate on a Hikari pool, one transaction per request that first switches to
 * the caller's role and publishes the caller's claims (so the same RLS policies decide), then runs
 * its one statement. The bearer token is verified per request (HS256, expiry, role) with the same
 * library as Atelier.
 */
@SpringBootApplication
@RestController
public class HandWrittenApi {

    public static void main(String[] args) {
        SpringApplication.run(HandWrittenApi.class, args);
    }

    /** Role, claims and subject, transaction-local, in one round trip (as Atelier's request pool does). */
    private static final String BEGIN_AS =
            "select set_config('role', ?, true), set_config('request.jwt.claims', ?, true),"
                    + " set_config('request.jwt.claim.sub', ?, true)";

    private final JdbcTemplate jdbc;
    private final TransactionTemplate readWrite;
    private final TransactionTemplate readOnly;
    private final MACVerifier verifier;

    HandWrittenApi(JdbcTemplate jdbc, PlatformTransactionManager transactions, @Value("${bench.jwt-secret}") String secret)
            throws JOSEException {
        this.jdbc = jdbc;
        this.readWrite = new TransactionTemplate(transactions);
        this.readOnly = new TransactionTemplate(transactions);
        this.readOnly.setReadOnly(true);
        this.verifier = new MACVerifier(secret.getBytes(StandardCharsets.UTF_8));
    }

    public record Todo(long id, UUID userId, long listId, String title, boolean done, OffsetDateTime createdAt) {}

    public record TodoList(long id, String name) {}

    public record TodoWithList(long id, String title, boolean done, TodoList list) {}

    public record NewTodo(long listId, String title) {}

    record Caller(String role, String subject, String claimsJson) {}

    static final class Unauthorized extends RuntimeException {
        Unauthorized(String message) {
            super(message);
        }
    }

    @GetMapping("/todos/{id}")
    public ResponseEntity<Todo> one(@RequestHeader("Authorization") String authorization, @PathVariable long id) {
        Caller caller = caller(authorization);
        List<Todo> rows = readOnly.execute(tx -> {
            beginAs(caller);
            return jdbc.query(
                    "select id, user_id, list_id, title, done, created_at from bench.todos where id = ?",
                    (rs, n) -> new Todo(
                            rs.getLong(1),
                            rs.getObject(2, UUID.class),
                            rs.getLong(3),
                            rs.getString(4),
                            rs.getBoolean(5),
                            rs.getObject(6, OffsetDateTime.class)),
                    id);
        });
        return rows == null || rows.isEmpty() ? ResponseEntity.notFound().build() : ResponseEntity.ok(rows.get(0));
    }

    @GetMapping("/todos")
    public List<TodoWithList> page(
            @RequestHeader("Authorization") String authorization,
            @RequestParam(defaultValue = "0") long after,
            @RequestParam(defaultValue = "20") int limit) {
        Caller caller = caller(authorization);
        int rows = Math.max(1, Math.min(limit, 1000));
        return readOnly.execute(tx -> {
            beginAs(caller);
            return jdbc.query(
                    "select t.id, t.title, t.done, l.id, l.name from bench.todos t"
                            + " join bench.lists l on l.id = t.list_id where t.id > ? order by t.id limit ?",
                    (rs, n) -> new TodoWithList(
                            rs.getLong(1),
                            rs.getString(2),
                            rs.getBoolean(3),
                            new TodoList(rs.getLong(4), rs.getString(5))),
                    after,
                    rows);
        });
    }

    @PostMapping("/todos")
    public ResponseEntity<Void> create(@RequestHeader("Authorization") String authorization, @RequestBody NewTodo todo) {
        Caller caller = caller(authorization);
        readWrite.executeWithoutResult(tx -> {
            beginAs(caller);
            jdbc.update("insert into bench.todos (list_id, title) values (?, ?)", todo.listId(), todo.title());
        });
        return ResponseEntity.status(HttpStatus.CREATED).build();
    }

    @PostMapping("/todos/bulk")
    public ResponseEntity<Void> createMany(
            @RequestHeader("Authorization") String authorization, @RequestBody List<NewTodo> todos) {
        Caller caller = caller(authorization);
        readWrite.executeWithoutResult(tx -> {
            beginAs(caller);
            jdbc.batchUpdate(
                    "insert into bench.todos (list_id, title) values (?, ?)",
                    todos.stream()
                            .map(t -> new Object[] {t.listId(), t.title()})
                            .toList());
        });
        return ResponseEntity.status(HttpStatus.CREATED).build();
    }

    @ExceptionHandler(Unauthorized.class)
    ResponseEntity<String> unauthorized(Unauthorized e) {
        return ResponseEntity.status(HttpStatus.UNAUTHORIZED).body(e.getMessage());
    }

    private void beginAs(Caller caller) {
        jdbc.query(BEGIN_AS, rs -> {}, caller.role(), caller.claimsJson(), caller.subject());
    }

    /** Verifies the bearer token: HS256 signature with the shared secret, not expired, an allowed role. */
    private Caller caller(String authorization) {
        if (!authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
            throw new Unauthorized("bearer token required");
        }
        try {
            SignedJWT jwt = SignedJWT.parse(authorization.substring(7).trim());
            if (!jwt.verify(verifier)) {
                throw new Unauthorized("bad signature");
            }
            JWTClaimsSet claims = jwt.getJWTClaimsSet();
            Date expires = claims.getExpirationTime();
            if (expires != null && !expires.after(new Date())) {
                throw new Unauthorized("expired");
            }
            Object role = claims.getClaim("role");
            if (!"authenticated".equals(role) || claims.getSubject() == null) {
                throw new Unauthorized("role not allowed");
            }
            return new Caller("authenticated", claims.getSubject(), claims.toString());
        } catch (ParseException | JOSEException e) {
            throw new Unauthorized("invalid token");
        }
    }
}
