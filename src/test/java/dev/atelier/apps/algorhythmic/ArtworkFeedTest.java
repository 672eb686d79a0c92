package dev.atelier.apps.algorhythmic;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.atelier.testing.OwnerSql;
import dev.atelier.testing.Rest;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The feed through HTTP: never the same artwork twice within the hour for one user, session and endpoint. */
class ArtworkFeedTest {

    private static final String PATH = "/api/v1/algorhythmic/artworks/next";

    private static String artwork(ArtUser user, String minutesAgo) throws Exception {
        return OwnerSql.queryString("insert into algorhythmic.art_sessions (session_id, user_id, image_url, prompt,"
                + " quality_score, created_at) values ('" + user.session() + "', '" + user.id()
                + "', 'https://example.test/a.png', 'p', 100, now() - interval '" + minutesAgo
                + " minutes') returning id");
    }

    private static List<String> next(ArtUser user, String session, int limit) {
        Rest.Response r = user.rest().get(PATH + "?session_id=" + session + "&limit=" + limit);
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        List<String> ids = new ArrayList<>();
        for (JsonNode a : r.json().get("artworks")) {
            ids.add(a.get("id").asText());
        }
        return ids;
    }

    @Test
    void aServedArtworkIsNotServedAgainInTheSameSessionButIsInAnother() throws Exception {
        ArtUser ada = ArtUser.create();
        String newest = artwork(ada, "1");
        String middle = artwork(ada, "2");
        String oldest = artwork(ada, "3");

        assertThat(next(ada, ada.session(), 1)).containsExactly(newest);
        assertThat(next(ada, ada.session(), 1)).containsExactly(middle);
        assertThat(next(ada, ada.session(), 1)).containsExactly(oldest);
        assertThat(next(ada, ada.session(), 10)).doesNotContain(newest, middle, oldest);
        assertThat(next(ada, "another-session", 2)).containsExactly(newest, middle);

        // another user's feed never holds Ada's own artwork (it runs as the caller)
        ArtUser bo = ArtUser.create();
        assertThat(next(bo, bo.session(), 10)).doesNotContain(newest, middle, oldest);
    }

    @Test
    void badRequestsNameTheirFieldAndAnonIsRefused() throws Exception {
        ArtUser ada = ArtUser.create();
        Rest.Response noSession = ada.rest().get(PATH);
        assertThat(noSession.status()).isEqualTo(400);
        assertThat(noSession.body()).contains("session_id");
        assertThat(ada.rest().get(PATH + "?session_id=" + "x".repeat(65)).status())
                .isEqualTo(400);
        Rest.Response badLimit = ada.rest().get(PATH + "?session_id=s&limit=11");
        assertThat(badLimit.status()).isEqualTo(400);
        assertThat(badLimit.body()).contains("limit");
        assertThat(Rest.anon().get(PATH + "?session_id=s").status()).isEqualTo(401);
    }
}
