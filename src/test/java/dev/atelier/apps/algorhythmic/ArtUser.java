package dev.atelier.apps.algorhythmic;

import com.fasterxml.jackson.databind.JsonNode;
import dev.atelier.testing.OwnerSql;
import dev.atelier.testing.Poll;
import dev.atelier.testing.Rest;
import dev.atelier.testing.TestServer;
import java.time.Duration;

/** An Algorhythmic user of the generation tests: their client, an open session, their credits. */
record ArtUser(String id, Rest rest, String session) {

    static final String PATH = "/api/v1/algorhythmic/generations";
    private static final Duration WITHIN = Duration.ofSeconds(20);

    /** A new user (minted, no bcrypt) with a session of their own. */
    static ArtUser create() throws Exception {
        TestServer.TestUser u = TestServer.get().newUser();
        String id = u.id().toString();
        String session =
                OwnerSql.queryString("insert into algorhythmic.sessions (user_id) values ('" + id + "') returning id");
        return new ArtUser(id, Rest.as(u.accessToken()), session);
    }

    Rest.Response start(String key, String body) {
        return rest.with("Idempotency-Key", key).post(PATH, body);
    }

    /** Follows the generation until it has {@code status}; its last view. */
    JsonNode until(String generationId, String status) throws Exception {
        JsonNode[] last = new JsonNode[1];
        Poll.until("generation " + generationId + " is " + status, WITHIN, () -> {
            last[0] = rest.get(PATH + "/" + generationId).json();
            return last[0].path("status").asText().equals(status);
        });
        return last[0];
    }

    int balance() throws Exception {
        return Integer.parseInt(
                OwnerSql.queryString("select balance from algorhythmic.user_credits where user_id = '" + id + "'"));
    }

    int openHolds() throws Exception {
        return Integer.parseInt(OwnerSql.queryString("select count(*) from platform.ledger_holds where app ="
                + " 'algorhythmic' and user_id = '" + id + "' and status = 'open'"));
    }
}
