package dev.atelier.apps.rotation;

import static dev.atelier.apps.rotation.RotationSql.newStore;
import static dev.atelier.apps.rotation.RotationSql.ownerExec;
import static dev.atelier.apps.rotation.RotationSql.ownerQuery;
import static dev.atelier.apps.rotation.RotationSql.ownerRows;
import static dev.atelier.apps.rotation.RotationSql.rowsAs;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.atelier.testing.ReferenceData;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.w3c.dom.Element;
import org.w3c.dom.Node;

/**
 * A Discogs release maps onto rotation.records and rotation.tracks, and a marketplace listing
 * onto rotation.store_inventory: the real API responses and dump record in ../shared/data/discogs
 * go through rotation.upsert_discogs_release and land field by field.
 */
class RotationDiscogsMappingTest {

    /** Read lazily, so a missing ../shared fails each test with directions instead of breaking class loading. */
    private static Path discogs() {
        return ReferenceData.path("discogs");
    }

    private static final ObjectMapper JSON = new ObjectMapper();

    @ParameterizedTest(name = "release {0}")
    @ValueSource(ints = {1, 2, 3, 79, 3329867})
    void everyApiReleaseLandsInRecordsAndTracks(int releaseId) throws Exception {
        JsonNode release = JSON.readTree(
                discogs().resolve("api_json/releases/" + releaseId + ".json").toFile());
        int record = upsert(release);

        assertThat(ownerQuery("select discogs_release_id from rotation.records where id = " + record))
                .isEqualTo(String.valueOf(releaseId));
        assertThat(ownerQuery("select title from rotation.records where id = " + record))
                .isEqualTo(release.path("title").asText());
        assertThat(ownerQuery("select release_year from rotation.records where id = " + record))
                .isEqualTo(release.path("year").asText());
        assertThat(ownerQuery("select country from rotation.records where id = " + record))
                .isEqualTo(release.path("country").asText());
        assertThat(ownerQuery("select released from rotation.records where id = " + record))
                .isEqualTo(release.path("released").asText());
        for (String array : new String[] {"genres", "styles"}) {
            assertThat(ownerQuery("select (array_to_json(" + array + ")::jsonb = '"
                            + release.path(array).toString().replace("'", "''")
                            + "'::jsonb)::text from rotation.records where id = " + record))
                    .as(array)
                    .isEqualTo("true");
        }
        assertThat(ownerQuery("select label || '|' || catalog_number from rotation.records where id = " + record))
                .isEqualTo(release.at("/labels/0/name").asText() + "|"
                        + release.at("/labels/0/catno").asText());
        assertThat(ownerQuery("select format from rotation.records where id = " + record))
                .isEqualTo(release.at("/formats/0/name").asText());
        for (String jsonb : new String[] {"artists", "labels", "formats", "images", "videos"}) {
            String discogsKey = jsonb;
            JsonNode expected = release.has(discogsKey) ? release.path(discogsKey) : JSON.createArrayNode();
            assertThat(ownerQuery(
                            "select (" + jsonb + " = '" + expected.toString().replace("'", "''") + "'::jsonb)::text "
                                    + "from rotation.records where id = " + record))
                    .as(jsonb)
                    .isEqualTo("true");
        }
        assertThat(ownerQuery("select (extra_artists = '"
                        + release.path("extraartists").toString().replace("'", "''")
                        + "'::jsonb)::text from rotation.records where id = " + record))
                .isEqualTo("true");

        List<String> expectedTracks = new ArrayList<>();
        int index = 0;
        int totalSeconds = 0;
        for (JsonNode track : release.path("tracklist")) {
            String duration = track.path("duration").asText();
            String[] parts = duration.split(":");
            int seconds = Integer.parseInt(parts[0]) * 60 + Integer.parseInt(parts[1]);
            totalSeconds += seconds;
            expectedTracks.add(index++ + "|" + track.path("position").asText() + "|"
                    + track.path("title").asText() + "|" + duration + "|" + seconds);
        }
        assertThat(ownerRows("select concat_ws('|', track_index, position, title, duration_display, duration_seconds) "
                        + "from rotation.tracks where record_id = " + record + " order by track_index"))
                .containsExactlyElementsOf(expectedTracks);
        assertThat(ownerQuery("select total_tracks || '|' || total_duration_seconds from rotation.records where id = "
                        + record))
                .isEqualTo(expectedTracks.size() + "|" + totalSeconds);
        // Anyone may browse what was imported.
        assertThat(rowsAs("anon", null, "select count(*) from rotation.tracks where record_id = " + record))
                .containsExactly(String.valueOf(expectedTracks.size()));
    }

    @Test
    void theDisplayArtistJoinsDiscogsArtistsAndPutsTheArticleFirst() throws Exception {
        int stockholm = upsert(release(1));
        assertThat(ownerQuery("select artist || '|' || artist_sort from rotation.records where id = " + stockholm))
                .isEqualTo("The Persuader|persuader");
        int darwinia = upsert(release(3329867));
        assertThat(ownerQuery("select artist from rotation.records where id = " + darwinia))
                .isEqualTo("Trash80 & Dma-Sc");
        // Per-track artists are kept as Discogs gives them.
        assertThat(ownerQuery("select artists->0->>'name' from rotation.tracks where record_id = " + darwinia
                        + " and track_index = 0"))
                .isEqualTo("Dma-Sc");
    }

    @Test
    void vinylPositionsGiveSideAndTrackOnSide() throws Exception {
        int stockholm = upsert(release(1));
        assertThat(ownerRows(
                        "select concat_ws('|', position, side_index, track_on_side) from rotation.tracks where record_id = "
                                + stockholm + " order by track_index"))
                .containsExactly("A|0|1", "B1|1|1", "B2|1|2", "C1|2|1", "C2|2|2", "D|3|1");
        int cd = upsert(release(3));
        assertThat(ownerQuery(
                        "select count(*) from rotation.tracks where record_id = " + cd + " and side_index is not null"))
                .isEqualTo("0");
    }

    @Test
    void fullAndPartialReleaseDatesAndIdentifiersMap() throws Exception {
        int partial = upsert(release(1));
        assertThat(ownerQuery(
                        "select coalesce(release_date::text, 'none') || '|' || released from rotation.records where id = "
                                + partial))
                .isEqualTo("none|1999-03-00");
        int full = upsert(release(3));
        assertThat(ownerQuery("select concat_ws('|', release_date, barcode, master_id, identifiers->0->>'type') "
                        + "from rotation.records where id = " + full))
                .isEqualTo("1999-07-13|074646362822|66526|Barcode");
        int runouts = upsert(release(2));
        assertThat(ownerQuery(
                        "select (barcode is null)::text || '|' || jsonb_array_length(identifiers) from rotation.records where id = "
                                + runouts))
                .isEqualTo("true|2");
    }

    @Test
    void reimportingAReleaseKeepsTrackIdsAndDropsTracksThatAreGone() throws Exception {
        ObjectNode release = (ObjectNode) release(79);
        int record = upsert(release);
        List<String> ids =
                ownerRows("select id from rotation.tracks where record_id = " + record + " order by track_index");
        ownerExec("insert into rotation.audio_matches (track_id, platform, external_id, url, confidence_score) values ("
                + ids.get(0) + ", 'youtube', 'keep', 'https://y/keep', 0.9) on conflict do nothing");

        ArrayNode shorter = JSON.createArrayNode();
        shorter.add(release.path("tracklist").get(0));
        ((ObjectNode) shorter.get(0)).put("title", "Renamed");
        shorter.add(release.path("tracklist").get(1));
        release.set("tracklist", shorter);
        assertThat(upsert(release)).isEqualTo(record);

        assertThat(ownerRows("select id || '|' || title from rotation.tracks where record_id = " + record
                        + " order by track_index"))
                .containsExactly(
                        ids.get(0) + "|Renamed",
                        ids.get(1) + "|" + shorter.get(1).path("title").asText());
        assertThat(ownerQuery("select count(*) from rotation.audio_matches where track_id = " + ids.get(0)))
                .isEqualTo("1");
        assertThat(ownerQuery("select total_tracks from rotation.records where id = " + record))
                .isEqualTo("2");
        assertThat(ownerQuery("select count(*) from rotation.records where discogs_release_id = 79"))
                .isEqualTo("1");
    }

    @Test
    void headingsAreSkippedAndIndexTracksBecomeTheirSubTracks() throws Exception {
        String release = """
                {"id": 987654321, "title": "Structured", "year": 2001,
                 "artists": [{"name": "Various", "join": ""}],
                 "tracklist": [
                   {"type_": "heading", "position": "", "title": "Side One", "duration": ""},
                   {"type_": "track", "position": "A1", "title": "Opener", "duration": "1:02:03"},
                   {"type_": "index", "position": "A2", "title": "Suite", "duration": "",
                    "sub_tracks": [{"type_": "track", "position": "A2.a", "title": "Part I", "duration": "2:00"},
                                   {"type_": "track", "position": "A2.b", "title": "Part II", "duration": ""}]},
                   {"type_": "track", "position": "B", "title": "Closer", "duration": "0:59"}]}
                """;
        int record = upsert(JSON.readTree(release));
        assertThat(ownerRows(
                        "select concat_ws('|', track_index, position, title, coalesce(duration_seconds::text, '-')) "
                                + "from rotation.tracks where record_id = " + record + " order by track_index"))
                .containsExactly("0|A1|Opener|3723", "1|A2.a|Part I|120", "2|A2.b|Part II|-", "3|B|Closer|59");
    }

    @Test
    void theDumpsXmlMapsLikeTheApiResponse() throws Exception {
        JsonNode fromXml = releaseFromDumpXml(discogs().resolve("release_single.xml"));
        JsonNode fromApi = release(3);
        assertThat(fromXml.path("id").asInt()).isEqualTo(3);
        int record = upsert(fromXml);
        String fields =
                "select concat_ws('|', title, artist, label, catalog_number, country, release_date, genres, styles, format, "
                        + "barcode, master_id, total_tracks, total_duration_seconds) from rotation.records where id = "
                        + record;
        String tracks =
                "select string_agg(concat_ws('|', track_index, position, title, duration_seconds), ';' order by track_index) "
                        + "from rotation.tracks where record_id = " + record;
        String xmlFields = ownerQuery(fields);
        String xmlTracks = ownerQuery(tracks);
        assertThat(upsert(fromApi)).isEqualTo(record);
        assertThat(ownerQuery(fields)).isEqualTo(xmlFields);
        assertThat(ownerQuery(tracks)).isEqualTo(xmlTracks);
        assertThat(xmlFields).startsWith("Profound Sounds Vol. 1|Josh Wink|Ruffhouse Records|CK 63628|US|1999-07-13");
    }

    @Test
    void aReleaseWithoutIdOrTitleIsRefused() {
        for (String bad : new String[] {"{}", "{\"id\": \"12\", \"title\": \"x\"}", "{\"id\": 12}"}) {
            assertThatThrownBy(() -> upsert(JSON.readTree(bad)))
                    .isInstanceOfSatisfying(
                            SQLException.class, e -> assertThat(e.getSQLState()).isEqualTo("22023"));
        }
    }

    @Test
    void aMarketplaceListingMapsOntoStoreInventory() throws Exception {
        JsonNode listing = JSON.readTree(discogs()
                        .resolve("api_json/users/example/inventory_per_page=50&page=1.json")
                        .toFile())
                .path("listings")
                .get(0);
        ObjectNode release = JSON.createObjectNode();
        release.put("id", listing.at("/release/id").asLong());
        release.put("title", listing.at("/release/title").asText());
        release.put("year", listing.at("/release/year").asInt());
        release.putArray("artists")
                .addObject()
                .put("name", listing.at("/release/artist").asText())
                .put("join", "");
        int record = upsert(release);
        int store = newStore("active");
        try (Connection owner = RotationSql.owner();
                PreparedStatement ps = owner.prepareStatement(
                        "insert into rotation.store_inventory (store_id, record_id, discogs_listing_id, status, price, currency, condition, "
                                + "sleeve_condition, description, ships_from, allow_offers, listed_at) values (?, ?, ?, "
                                + "case ? when 'For Sale' then 'active' when 'Sold' then 'sold' else 'draft' end::rotation.record_status, "
                                + "?, ?, ?::rotation.record_condition, ?::rotation.sleeve_condition, ?, ?, ?, ?::timestamptz) "
                                + "on conflict (discogs_listing_id) do update set price = excluded.price returning id")) {
            ps.setInt(1, store);
            ps.setInt(2, record);
            ps.setLong(3, listing.path("id").asLong());
            ps.setString(4, listing.path("status").asText());
            ps.setBigDecimal(5, listing.at("/price/value").decimalValue());
            ps.setString(6, listing.at("/price/currency").asText());
            ps.setString(7, listing.path("condition").asText());
            ps.setString(8, listing.path("sleeve_condition").asText());
            ps.setString(9, listing.path("comments").asText());
            ps.setString(10, listing.path("ships_from").asText());
            ps.setBoolean(11, listing.path("allow_offers").asBoolean());
            ps.setString(12, listing.path("posted").asText());
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                assertThat(ownerQuery(
                                "select concat_ws('|', status, price, currency, condition, sleeve_condition, ships_from, "
                                        + "allow_offers, listed_at = '2014-07-01T10:20:17-07:00'::timestamptz) from rotation.store_inventory where id = "
                                        + rs.getInt(1)))
                        .isEqualTo("active|149.99|USD|Near Mint (NM or M-)|Near Mint (NM or M-)|United States|t|t");
            }
        }
        // Every grade Discogs' marketplace uses is a value of the enums.
        for (String grade : new String[] {
            "Mint (M)",
            "Near Mint (NM or M-)",
            "Very Good Plus (VG+)",
            "Very Good (VG)",
            "Good Plus (G+)",
            "Good (G)",
            "Fair (F)",
            "Poor (P)"
        }) {
            assertThat(ownerQuery("select '" + grade + "'::rotation.record_condition::text"))
                    .isEqualTo(grade);
            assertThat(ownerQuery("select '" + grade + "'::rotation.sleeve_condition::text"))
                    .isEqualTo(grade);
        }
        for (String sleeveOnly : new String[] {"Generic", "Not Graded", "No Cover"}) {
            assertThat(ownerQuery("select '" + sleeveOnly + "'::rotation.sleeve_condition::text"))
                    .isEqualTo(sleeveOnly);
            assertThatThrownBy(() -> ownerQuery("select '" + sleeveOnly + "'::rotation.record_condition"))
                    .isInstanceOfSatisfying(
                            SQLException.class, e -> assertThat(e.getSQLState()).isEqualTo("22P02"));
        }
    }

    // ------------------------------------------------------------------------------------------

    private static JsonNode release(int id) throws IOException {
        return JSON.readTree(
                discogs().resolve("api_json/releases/" + id + ".json").toFile());
    }

    private static int upsert(JsonNode release) throws SQLException {
        try (Connection owner = RotationSql.owner();
                PreparedStatement ps = owner.prepareStatement("select rotation.upsert_discogs_release(?::jsonb)")) {
            ps.setString(1, release.toString());
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getInt(1);
            }
        }
    }

    /** The dump's {@code <release>} element in the API's JSON shape (the fields the mapping reads). */
    private static JsonNode releaseFromDumpXml(Path file) throws Exception {
        Element root;
        try (var in = Files.newInputStream(file)) {
            root = DocumentBuilderFactory.newInstance()
                    .newDocumentBuilder()
                    .parse(in)
                    .getDocumentElement();
        }
        ObjectNode release = JSON.createObjectNode();
        release.put("id", Long.parseLong(root.getAttribute("id")));
        for (String field : new String[] {"title", "country", "released", "notes", "data_quality"}) {
            Element e = child(root, field);
            if (e != null) {
                release.put(field, e.getTextContent());
            }
        }
        Element master = child(root, "master_id");
        if (master != null) {
            release.put("master_id", Long.parseLong(master.getTextContent().trim()));
        }
        release.set("artists", artists(child(root, "artists")));
        release.set("extraartists", artists(child(root, "extraartists")));
        ArrayNode labels = release.putArray("labels");
        for (Element label : children(child(root, "labels"), "label")) {
            labels.addObject()
                    .put("name", label.getAttribute("name"))
                    .put("catno", label.getAttribute("catno"))
                    .put("id", Long.parseLong(label.getAttribute("id")));
        }
        ArrayNode formats = release.putArray("formats");
        for (Element format : children(child(root, "formats"), "format")) {
            ObjectNode f = formats.addObject()
                    .put("name", format.getAttribute("name"))
                    .put("qty", format.getAttribute("qty"))
                    .put("text", format.getAttribute("text"));
            ArrayNode descriptions = f.putArray("descriptions");
            children(child(format, "descriptions"), "description").forEach(d -> descriptions.add(d.getTextContent()));
        }
        ArrayNode genres = release.putArray("genres");
        children(child(root, "genres"), "genre").forEach(g -> genres.add(g.getTextContent()));
        ArrayNode styles = release.putArray("styles");
        children(child(root, "styles"), "style").forEach(s -> styles.add(s.getTextContent()));
        ArrayNode identifiers = release.putArray("identifiers");
        for (Element identifier : children(child(root, "identifiers"), "identifier")) {
            identifiers
                    .addObject()
                    .put("type", identifier.getAttribute("type"))
                    .put("value", identifier.getAttribute("value"));
        }
        ArrayNode videos = release.putArray("videos");
        for (Element video : children(child(root, "videos"), "video")) {
            videos.addObject()
                    .put("uri", video.getAttribute("src"))
                    .put("duration", Integer.parseInt(video.getAttribute("duration")))
                    .put("embed", Boolean.parseBoolean(video.getAttribute("embed")))
                    .put("title", text(child(video, "title")))
                    .put("description", text(child(video, "description")));
        }
        ArrayNode tracklist = release.putArray("tracklist");
        for (Element track : children(child(root, "tracklist"), "track")) {
            ObjectNode t = tracklist
                    .addObject()
                    .put("position", text(child(track, "position")))
                    .put("title", text(child(track, "title")))
                    .put("duration", text(child(track, "duration")));
            t.set("artists", artists(child(track, "artists")));
            t.set("extraartists", artists(child(track, "extraartists")));
        }
        return release;
    }

    private static ArrayNode artists(Element parent) {
        ArrayNode out = JSON.createArrayNode();
        for (Element artist : children(parent, "artist")) {
            out.addObject()
                    .put("id", Long.parseLong(text(child(artist, "id"))))
                    .put("name", text(child(artist, "name")))
                    .put("anv", text(child(artist, "anv")))
                    .put("join", text(child(artist, "join")))
                    .put("role", text(child(artist, "role")));
        }
        return out;
    }

    private static Element child(Element parent, String name) {
        if (parent == null) {
            return null;
        }
        for (Node n = parent.getFirstChild(); n != null; n = n.getNextSibling()) {
            if (n instanceof Element e && e.getTagName().equals(name)) {
                return e;
            }
        }
        return null;
    }

    private static List<Element> children(Element parent, String name) {
        List<Element> out = new ArrayList<>();
        if (parent != null) {
            for (Node n = parent.getFirstChild(); n != null; n = n.getNextSibling()) {
                if (n instanceof Element e && e.getTagName().equals(name)) {
                    out.add(e);
                }
            }
        }
        return out;
    }

    private static String text(Element e) {
        return e == null ? "" : e.getTextContent();
    }
}
