package dev.atelier.apps.rotation;

import static dev.atelier.apps.rotation.RotationSql.asRole;
import static dev.atelier.apps.rotation.RotationSql.asUser;
import static dev.atelier.apps.rotation.RotationSql.callAs;
import static dev.atelier.apps.rotation.RotationSql.linkManager;
import static dev.atelier.apps.rotation.RotationSql.newInventory;
import static dev.atelier.apps.rotation.RotationSql.newRecord;
import static dev.atelier.apps.rotation.RotationSql.newStore;
import static dev.atelier.apps.rotation.RotationSql.newUser;
import static dev.atelier.apps.rotation.RotationSql.newUserWithRole;
import static dev.atelier.apps.rotation.RotationSql.ownerExec;
import static dev.atelier.apps.rotation.RotationSql.ownerQuery;
import static dev.atelier.apps.rotation.RotationSql.ownerRows;
import static dev.atelier.apps.rotation.RotationSql.rowsAs;
import static dev.atelier.apps.rotation.RotationSql.trackOf;
import static dev.atelier.apps.rotation.RotationSql.updateAs;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.atelier.apps.rotation.RotationSql.AppUser;
import dev.atelier.testing.TestServer;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.UUID;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.Test;

/**
 * The Rotation schema as the database enforces it, checked with SQL underneath the API: the
 * identity link to auth.users, row-level security per role (with the claims a request carries),
 * store managers and their inventory, secrets, append-only ledgers, and the document's triggers
 * and utility functions.
 */
class RotationSchemaTest {

    private static final TestServer server = TestServer.get();

    // ------------------------------------------------------------------------------------------
    // Identity: the sign-up trigger and the link to auth.users.
    // ------------------------------------------------------------------------------------------

    @Test
    void signingUpCreatesTheAppUserLinkedToTheIdentity() throws SQLException {
        String local = "crate" + UUID.randomUUID().toString().substring(0, 8);
        TestServer.TestUser identity = server.signUp(local + "@example.test", "correct horse battery");
        assertThat(ownerRows("select concat_ws('|', email, name, username, role, is_active) from rotation.users "
                        + "where auth_user_id = '" + identity.id() + "'"))
                .containsExactly(local + "@example.test|" + local + "|" + local + "|general_user|t");
    }

    @Test
    void usernamesDerivedFromTheSameLocalPartStayUnique() throws SQLException {
        String local = "dig" + UUID.randomUUID().toString().substring(0, 8);
        UUID first = UUID.randomUUID();
        UUID second = UUID.randomUUID();
        ownerExec(
                "insert into auth.users (id, email) values ('" + first + "', '" + local + "@one.test')",
                "insert into auth.users (id, email) values ('" + second + "', '" + local + "@two.test')");
        assertThat(ownerQuery("select username from rotation.users where auth_user_id = '" + first + "'"))
                .isEqualTo(local);
        assertThat(ownerQuery("select username from rotation.users where auth_user_id = '" + second + "'"))
                .isEqualTo(local + "_" + second.toString().replace("-", "").substring(0, 8));
    }

    @Test
    void signUpSucceedsEvenWhenEveryUsernameCandidateIsTaken() throws SQLException {
        String local = "taken" + UUID.randomUUID().toString().substring(0, 8);
        UUID identity = UUID.randomUUID();
        String hex = identity.toString().replace("-", "");
        // Four existing users renamed to exactly the candidates the new identity would get.
        String[] candidates = {local, local + "_" + hex.substring(0, 8), local + "_" + hex, "user_" + hex};
        for (String candidate : candidates) {
            AppUser squatter = newUser();
            ownerExec("update rotation.users set username = '" + candidate + "' where id = " + squatter.id());
        }
        ownerExec("insert into auth.users (id, email) values ('" + identity + "', '" + local + "@example.test')");
        assertThat(ownerRows("select coalesce(username, '<none>') || '|' || email from rotation.users "
                        + "where auth_user_id = '" + identity + "'"))
                .containsExactly("<none>|" + local + "@example.test");
    }

    @Test
    void signUpSucceedsForAnIdentityWithoutEmailOrWithAnEmailAnAppUserAlreadyHolds() throws SQLException {
        UUID noEmail = UUID.randomUUID();
        ownerExec("insert into auth.users (id) values ('" + noEmail + "')");
        assertThat(ownerQuery("select name || '|' || (email is null) from rotation.users where auth_user_id = '"
                        + noEmail + "'"))
                .isEqualTo("user|true");
        assertThat(ownerQuery("select username from rotation.users where auth_user_id = '" + noEmail + "'"))
                .matches("user(_[0-9a-f]+)?");

        // An app user still carrying an address its identity no longer has (e-mails are copied at sign-up).
        AppUser stale = newUser();
        String address = "moved" + UUID.randomUUID().toString().substring(0, 8) + "@example.test";
        ownerExec("update rotation.users set email = '" + address + "' where id = " + stale.id());
        UUID newcomer = UUID.randomUUID();
        ownerExec("insert into auth.users (id, email) values ('" + newcomer + "', '" + address + "')");
        assertThat(ownerQuery(
                        "select (email is null)::text from rotation.users where auth_user_id = '" + newcomer + "'"))
                .isEqualTo("true");
    }

    @Test
    void signUpUsesTheNameAndUsernameOfTheUserMetadata() throws SQLException {
        UUID identity = UUID.randomUUID();
        String wanted = "Ada.Love" + UUID.randomUUID().toString().substring(0, 6);
        ownerExec("insert into auth.users (id, email, raw_user_meta_data) values ('" + identity + "', '" + identity
                + "@example.test', '{\"name\": \"Ada Lovelace\", \"username\": \"" + wanted + "\"}')");
        assertThat(ownerQuery(
                        "select name || '|' || username from rotation.users where auth_user_id = '" + identity + "'"))
                .isEqualTo("Ada Lovelace|" + wanted.toLowerCase().replace(".", ""));
    }

    @Test
    void theBackfillFunctionCreatesAMissingAppUserOnceAndOnlyOnce() throws SQLException {
        AppUser user = newUser();
        ownerExec("delete from rotation.users where id = " + user.id());
        String call = "select rotation.create_app_user(id, email, raw_user_meta_data) from auth.users where id = '"
                + user.authId() + "'";
        ownerExec(call, call);
        assertThat(ownerQuery("select count(*) from rotation.users where auth_user_id = '" + user.authId() + "'"))
                .isEqualTo("1");
    }

    @Test
    void deletingTheIdentityDeletesTheAppUserAndItsRows() throws SQLException {
        AppUser user = newUser();
        ownerExec("insert into rotation.favorites (user_id, favoritable_type, favoritable_id) values (" + user.id()
                + ", 'record', 1)");
        ownerExec("delete from auth.users where id = '" + user.authId() + "'");
        assertThat(ownerQuery("select count(*) from rotation.users where id = " + user.id()))
                .isEqualTo("0");
        assertThat(ownerQuery("select count(*) from rotation.favorites where user_id = " + user.id()))
                .isEqualTo("0");
    }

    @Test
    void currentUserIdAndIsAdminDescribeTheCaller() throws SQLException {
        AppUser user = newUser();
        AppUser admin = newUserWithRole("admin");
        assertThat(rowsAs(user, "select rotation.current_user_id() || '|' || rotation.is_admin()"))
                .containsExactly(user.id() + "|false");
        assertThat(rowsAs(admin, "select rotation.current_user_id() || '|' || rotation.is_admin()"))
                .containsExactly(admin.id() + "|true");
        assertThat(rowsAs(
                        "anon",
                        null,
                        "select coalesce(rotation.current_user_id()::text, 'none') || '|' || rotation.is_admin()"))
                .containsExactly("none|false");
        ownerExec("update rotation.users set is_active = false where id = " + admin.id());
        assertThat(rowsAs(admin, "select rotation.is_admin()::text")).containsExactly("false");
    }

    @Test
    void aUserEditsTheirProfileButCannotMakeThemselvesAdmin() throws SQLException {
        AppUser user = newUser();
        asUser(user, "update rotation.users set bio = 'crate digger' where id = " + user.id());
        assertThat(ownerQuery("select bio from rotation.users where id = " + user.id()))
                .isEqualTo("crate digger");
        for (String column : new String[] {
            "role = 'admin'",
            "email = 'x@example.test'",
            "is_active = false",
            "is_verified = true",
            "auth_user_id = gen_random_uuid()"
        }) {
            assertDenied(() -> asUser(user, "update rotation.users set " + column + " where id = " + user.id()));
        }
        assertThat(ownerQuery("select role from rotation.users where id = " + user.id()))
                .isEqualTo("general_user");
        // Another user's profile is out of reach.
        AppUser other = newUser();
        assertThat(updateAs(user, "update rotation.users set bio = 'defaced' where id = " + other.id()))
                .isZero();
        assertThat(rowsAs(user, "select count(*) from rotation.users")).containsExactly("1");
    }

    // ------------------------------------------------------------------------------------------
    // Row-level security.
    // ------------------------------------------------------------------------------------------

    @Test
    void anonReadsThePublicCatalogueAndNothingElse() throws SQLException {
        int active = newStore("active");
        int pending = newStore("pending");
        int record = newRecord(200, 300);
        int listed = newInventory(active, record, "active");
        int sold = newInventory(active, record, "sold");
        int draft = newInventory(active, record, "draft");
        int ofPendingStore = newInventory(pending, record, "active");
        int verified =
                Integer.parseInt(ownerQuery("insert into rotation.audio_matches (track_id, platform, external_id, url, "
                        + "confidence_score, status) values (" + trackOf(record, 0)
                        + ", 'youtube', 'v', 'https://y/v', 0.9, 'verified') returning id"));
        int unverified =
                Integer.parseInt(ownerQuery("insert into rotation.audio_matches (track_id, platform, external_id, url, "
                        + "confidence_score) values (" + trackOf(record, 1)
                        + ", 'youtube', 'u', 'https://y/u', 0.4) returning id"));
        AppUser owner = newUser();
        int publicCollection =
                Integer.parseInt(ownerQuery("insert into rotation.user_collections (user_id, name, is_public) values ("
                        + owner.id() + ", 'public', true) returning id"));
        int privateCollection =
                Integer.parseInt(ownerQuery("insert into rotation.user_collections (user_id, name) values ("
                        + owner.id() + ", 'private') returning id"));
        ownerExec("insert into rotation.user_collection_items (collection_id, track_id) values (" + publicCollection
                + ", " + trackOf(record, 0) + "), (" + privateCollection + ", " + trackOf(record, 1) + ")");
        String key =
                "test.public" + UUID.randomUUID().toString().substring(0, 8).replace("-", "");
        ownerExec("insert into rotation.settings (key, value, is_public) values ('" + key + "', 'shown', true), ('"
                + key + "_private', 'hidden', false)");

        assertThat(rowsAs("anon", null, "select count(*) from rotation.records where id = " + record))
                .containsExactly("1");
        assertThat(rowsAs("anon", null, "select count(*) from rotation.tracks where record_id = " + record))
                .containsExactly("2");
        assertThat(rowsAs("anon", null, "select id from rotation.stores where id in (" + active + ", " + pending + ")"))
                .containsExactly(String.valueOf(active));
        assertThat(rowsAs(
                        "anon",
                        null,
                        "select id from rotation.store_inventory where id in (" + listed + ", " + sold + ", " + draft
                                + ", " + ofPendingStore + ") order by id"))
                .containsExactly(String.valueOf(listed), String.valueOf(sold));
        assertThat(rowsAs(
                        "anon",
                        null,
                        "select id from rotation.audio_matches where id in (" + verified + ", " + unverified + ")"))
                .containsExactly(String.valueOf(verified));
        assertThat(rowsAs("anon", null, "select id from rotation.user_collections where user_id = " + owner.id()))
                .containsExactly(String.valueOf(publicCollection));
        assertThat(rowsAs(
                        "anon",
                        null,
                        "select collection_id from rotation.user_collection_items where collection_id in ("
                                + publicCollection + ", " + privateCollection + ")"))
                .containsExactly(String.valueOf(publicCollection));
        assertThat(rowsAs("anon", null, "select value from rotation.settings where key like '" + key + "%'"))
                .containsExactly("shown");
        for (String table : new String[] {
            "users",
            "favorites",
            "play_history",
            "feature_flags",
            "jobs",
            "audit_logs",
            "discogs_tokens",
            "store_managers",
            "usage_metrics",
            "maintenance_windows"
        }) {
            assertDenied(() -> rowsAs("anon", null, "select count(*) from rotation." + table));
        }
        assertDenied(() -> asRole(
                "anon", null, "insert into rotation.records (discogs_release_id, title, artist) values (1, 't', 'a')"));
    }

    @Test
    void userOwnedRowsAreVisibleAndWritableOnlyByTheirOwner() throws SQLException {
        AppUser alice = newUser();
        AppUser bob = newUser();
        int record = newRecord(180);
        int track = trackOf(record, 0);
        // Defaults name the caller: clients need not know their serial id.
        asUser(
                alice,
                "insert into rotation.favorites (favoritable_type, favoritable_id) values ('record', " + record + ")",
                "insert into rotation.play_history (track_id, action) values (" + track + ", 'play')",
                "insert into rotation.user_follows (followable_type, followable_id) values ('user', " + bob.id() + ")",
                "insert into rotation.user_preferences (theme_preference) values ('light')",
                "insert into rotation.user_collections (name) values ('late night')");
        for (String table : new String[] {"favorites", "play_history", "user_preferences", "user_collections"}) {
            assertThat(ownerQuery("select count(*) from rotation." + table + " where user_id = " + alice.id()))
                    .as(table)
                    .isEqualTo("1");
            String ofAlice = "select count(*) from rotation." + table + " where user_id = " + alice.id();
            assertThat(rowsAs(alice, ofAlice)).as(table).containsExactly("1");
            assertThat(rowsAs(bob, ofAlice)).as(table).containsExactly("0");
            assertThat(updateAs(bob, "delete from rotation." + table + " where user_id = " + alice.id()))
                    .as(table)
                    .isZero();
        }
        assertThat(rowsAs(bob, "select count(*) from rotation.user_follows")).containsExactly("0");
        assertThat(updateAs(bob, "update rotation.favorites set notes = 'mine now' where user_id = " + alice.id()))
                .isZero();
        assertThat(updateAs(
                        bob,
                        "update rotation.user_preferences set theme_preference = 'dark' where user_id = " + alice.id()))
                .isZero();
        // Writing a row in somebody else's name is refused.
        assertDenied(() -> asUser(
                bob,
                "insert into rotation.favorites (user_id, favoritable_type, favoritable_id) values (" + alice.id()
                        + ", 'track', " + track + ")"));
        assertDenied(() -> asUser(
                bob,
                "insert into rotation.play_history (user_id, track_id) values (" + alice.id() + ", " + track + ")"));
        // Nor can an owner hand a row to somebody else.
        assertDenied(() -> asUser(
                alice, "update rotation.favorites set user_id = " + bob.id() + " where user_id = " + alice.id()));
        // Plays are facts: no editing, only clearing.
        assertDenied(() -> asUser(alice, "update rotation.play_history set completion_percentage = 100"));
        assertThat(updateAs(alice, "delete from rotation.play_history")).isEqualTo(1);
        // The admin has no special access to a user's personal rows.
        AppUser admin = newUserWithRole("admin");
        assertThat(rowsAs(admin, "select count(*) from rotation.favorites where user_id = " + alice.id()))
                .containsExactly("0");
    }

    @Test
    void adminTablesAreEmptyToUsersAndRefuseTheirWritesWhileTheAdminManagesThem() throws SQLException {
        AppUser user = newUser();
        AppUser admin = newUserWithRole("admin");
        String key = "flag-" + UUID.randomUUID().toString().substring(0, 8);
        ownerExec("insert into rotation.feature_flags (key, name) values ('" + key + "', 'Seeded')");
        ownerExec("insert into rotation.jobs (type, title) values ('backup', 'nightly " + key + "')");
        assertThat(rowsAs(user, "select count(*) from rotation.feature_flags")).containsExactly("0");
        assertThat(rowsAs(user, "select count(*) from rotation.jobs")).containsExactly("0");
        assertThat(rowsAs(user, "select count(*) from rotation.audit_logs")).containsExactly("0");
        assertDenied(() -> asUser(user, "insert into rotation.feature_flags (key, name) values ('mine', 'Mine')"));
        assertDenied(() -> asUser(
                user,
                "insert into rotation.maintenance_windows (title, maintenance_type, starts_at, ends_at) "
                        + "values ('t', 'api', now(), now() + interval '1 hour')"));
        assertThat(updateAs(user, "update rotation.feature_flags set is_enabled = true where key = '" + key + "'"))
                .isZero();

        assertThat(rowsAs(admin, "select count(*) from rotation.feature_flags where key = '" + key + "'"))
                .containsExactly("1");
        assertThat(updateAs(admin, "update rotation.feature_flags set is_enabled = true where key = '" + key + "'"))
                .isEqualTo(1);
        asUser(
                admin,
                "insert into rotation.maintenance_windows (title, maintenance_type, starts_at, ends_at) " + "values ('"
                        + key + "', 'api', now() + interval '1 day', now() + interval '1 day 1 hour')");
        // (In the future: an active window would hold every write on this shared server, ADR 0016.)
        assertThat(rowsAs(
                        admin,
                        "select count(*) from rotation.audit_logs where entity_type = 'maintenance_windows' "
                                + "and new_values->>'title' = '" + key + "'"))
                .containsExactly("1");
        // Ledgers stay read-only even for the admin.
        assertDenied(() -> asUser(admin, "delete from rotation.audit_logs"));
        assertDenied(() ->
                asUser(admin, "insert into rotation.audit_logs (action, entity_type) values ('forged', 'users')"));
    }

    @Test
    void storeManagersWriteTheirOwnStoresInventoryOnly() throws SQLException {
        int mine = newStore("active");
        int theirs = newStore("active");
        int record = newRecord(240);
        AppUser manager = newUserWithRole("store_manager");
        linkManager(mine, manager.id());
        int theirItem = newInventory(theirs, record, "active");

        asUser(
                manager,
                "insert into rotation.store_inventory (store_id, record_id, price, condition, sleeve_condition) values ("
                        + mine + ", " + record + ", 25, 'Very Good Plus (VG+)', 'Generic')");
        String myItem = ownerQuery("select id from rotation.store_inventory where store_id = " + mine);
        assertThat(updateAs(
                        manager,
                        "update rotation.store_inventory set price = 30, status = 'reserved' where id = " + myItem))
                .isEqualTo(1);
        // A draft of their own store stays visible to them, not to the public.
        assertThat(updateAs(manager, "update rotation.store_inventory set status = 'draft' where id = " + myItem))
                .isEqualTo(1);
        assertThat(rowsAs(manager, "select count(*) from rotation.store_inventory where id = " + myItem))
                .containsExactly("1");
        assertThat(rowsAs("anon", null, "select count(*) from rotation.store_inventory where id = " + myItem))
                .containsExactly("0");

        assertDenied(() -> asUser(
                manager,
                "insert into rotation.store_inventory (store_id, record_id) values (" + theirs + ", " + record + ")"));
        assertThat(updateAs(manager, "update rotation.store_inventory set price = 1 where id = " + theirItem))
                .isZero();
        assertThat(updateAs(manager, "delete from rotation.store_inventory where id = " + theirItem))
                .isZero();
        assertDenied(() ->
                asUser(manager, "update rotation.store_inventory set store_id = " + theirs + " where id = " + myItem));
        assertThat(ownerQuery("select price from rotation.store_inventory where id = " + theirItem))
                .isEqualTo("10.00");

        // Both halves are needed: the store_manager role and the store_managers link.
        AppUser linkedButGeneral = newUser();
        linkManager(mine, linkedButGeneral.id());
        AppUser managerOfNothing = newUserWithRole("store_manager");
        for (AppUser outsider : new AppUser[] {linkedButGeneral, managerOfNothing}) {
            assertDenied(() -> asUser(
                    outsider,
                    "insert into rotation.store_inventory (store_id, record_id) values (" + mine + ", " + record
                            + ")"));
            assertThat(updateAs(outsider, "update rotation.store_inventory set price = 2 where id = " + myItem))
                    .isZero();
        }
        assertThat(updateAs(manager, "delete from rotation.store_inventory where id = " + myItem))
                .isEqualTo(1);
    }

    @Test
    void storeManagersEditTheirStoresProfileButNotWhatTheAdminDecides() throws SQLException {
        int pending = newStore("pending");
        AppUser manager = newUserWithRole("store_manager");
        linkManager(pending, manager.id());
        assertThat(rowsAs(manager, "select status::text from rotation.stores where id = " + pending))
                .containsExactly("pending");
        assertThat(updateAs(manager, "update rotation.stores set description = 'Since 1987' where id = " + pending))
                .isEqualTo(1);
        for (String change : new String[] {
            "status = 'active'",
            "slug = 'renamed-store'",
            "discogs_username = 'someone_else'",
            "owner_user_id = " + manager.id(),
            "average_rating = 5"
        }) {
            assertDenied(() -> asUser(manager, "update rotation.stores set " + change + " where id = " + pending));
        }
        assertDenied(() -> asUser(
                manager,
                "insert into rotation.stores (name, slug, discogs_username) values ('x', 'x-" + pending + "', 'x_"
                        + pending + "')"));
        AppUser admin = newUserWithRole("admin");
        assertThat(updateAs(admin, "update rotation.stores set status = 'active' where id = " + pending))
                .isEqualTo(1);
        assertThat(ownerQuery("select status || '|' || description from rotation.stores where id = " + pending))
                .isEqualTo("active|Since 1987");
    }

    @Test
    void storeManagersReviewTheMatchesOfTheirInventoryAndTheHistoryRecordsIt() throws SQLException {
        int store = newStore("active");
        int stocked = newRecord(200);
        int elsewhere = newRecord(200);
        newInventory(store, stocked, "draft");
        AppUser manager = newUserWithRole("store_manager");
        linkManager(store, manager.id());
        String ours = ownerQuery(
                "insert into rotation.audio_matches (track_id, platform, external_id, url, confidence_score) values ("
                        + trackOf(stocked, 0) + ", 'soundcloud', 'ours', 'https://s/ours', 0.62) returning id");
        String notOurs = ownerQuery(
                "insert into rotation.audio_matches (track_id, platform, external_id, url, confidence_score) values ("
                        + trackOf(elsewhere, 0) + ", 'soundcloud', 'theirs', 'https://s/theirs', 0.62) returning id");

        assertThat(rowsAs(manager, "select id from rotation.audio_matches where id in (" + ours + ", " + notOurs + ")"))
                .containsExactly(ours);
        assertThat(updateAs(
                        manager,
                        "update rotation.audio_matches set status = 'verified', verified_at = now() where id = "
                                + ours))
                .isEqualTo(1);
        assertThat(updateAs(manager, "update rotation.audio_matches set status = 'verified' where id = " + notOurs))
                .isZero();
        assertThat(updateAs(
                        manager,
                        "update rotation.audio_matches set status = 'rejected', rejection_reason = 'live version' "
                                + "where id = " + ours))
                .isEqualTo(1);
        assertThat(updateAs(
                        manager, "update rotation.audio_matches set title = 'no history for this' where id = " + ours))
                .isEqualTo(1);
        ownerExec("update rotation.audio_matches set confidence_score = 0.7 where id = " + ours);

        assertThat(ownerRows(
                        "select concat_ws('|', action, old_status, new_status, old_confidence, new_confidence, notes, performed_by) "
                                + "from rotation.audio_match_history where audio_match_id = " + ours + " order by id"))
                .containsExactly(
                        "created|unverified|0.620",
                        "verified|unverified|verified|0.620|0.620|" + manager.id(),
                        "rejected|verified|rejected|0.620|0.620|live version|" + manager.id(),
                        "updated|rejected|rejected|0.620|0.700");
        // Managers read no history themselves (admins do), and nobody edits it.
        assertThat(rowsAs(manager, "select count(*) from rotation.audio_match_history"))
                .containsExactly("0");
        assertDenied(() -> asRole(
                "service_role", null, "delete from rotation.audio_match_history where audio_match_id = " + ours));
    }

    @Test
    void discogsCredentialsAreReadableAndWritableOnlyByTheServiceRole() throws SQLException {
        AppUser user = newUser();
        AppUser other = newUser();
        String username = "discogs_" + UUID.randomUUID().toString().substring(0, 8);
        asRole(
                "service_role",
                null,
                "insert into rotation.discogs_tokens (user_id, username, access_token_encrypted, "
                        + "access_secret_encrypted, encryption_key_id) values (" + user.id() + ", '" + username
                        + "', '\\x0a0b', '\\x0c0d', 'k2026')");
        assertThat(rowsAs(user, "select username || '|' || token_type from rotation.discogs_tokens"))
                .containsExactly(username + "|oauth");
        assertThat(rowsAs(other, "select count(id) from rotation.discogs_tokens"))
                .containsExactly("0");
        for (String column :
                new String[] {"access_token_encrypted", "access_secret_encrypted", "encryption_key_id", "*"}) {
            assertDenied(() -> rowsAs(user, "select " + column + " from rotation.discogs_tokens"));
        }
        assertDenied(() -> asUser(
                user,
                "insert into rotation.discogs_tokens (user_id, username, access_token_encrypted, "
                        + "encryption_key_id, token_type) values (" + user.id()
                        + ", 'mine', '\\x00', 'k', 'personal')"));
        assertDenied(() -> asUser(user, "update rotation.discogs_tokens set scope = 'all'"));
        assertThat(rowsAs(
                        "service_role",
                        null,
                        "select encode(access_token_encrypted, 'hex') || '|' || encryption_key_id "
                                + "from rotation.discogs_tokens where username = '" + username + "'"))
                .containsExactly("0a0b|k2026");
        // The audit trail records the connection without its ciphertexts.
        assertThat(ownerQuery(
                        "select string_agg(k, ',' order by k) from rotation.audit_logs a, jsonb_object_keys(a.new_values) k "
                                + "where a.entity_type = 'discogs_tokens' and a.new_values->>'username' = '" + username
                                + "' and k like '%encrypt%'"))
                .isEqualTo("encryption_key_id");
        // Disconnecting is the user's right.
        assertThat(updateAs(other, "delete from rotation.discogs_tokens where username = '" + username + "'"))
                .isZero();
        assertThat(updateAs(user, "delete from rotation.discogs_tokens where username = '" + username + "'"))
                .isEqualTo(1);
    }

    @Test
    void encryptedSettingsKeepNoPlaintextAndOnlyTheServiceRoleReadsTheCiphertext() throws SQLException {
        String key = "secret.k" + UUID.randomUUID().toString().substring(0, 8);
        asRole(
                "service_role",
                null,
                "insert into rotation.settings (key, is_encrypted, value_encrypted, encryption_key_id) " + "values ('"
                        + key + "', true, '\\xdeadbeef', 'k1')");
        AppUser admin = newUserWithRole("admin");
        assertThat(rowsAs(
                        admin,
                        "select coalesce(value, '<none>') || '|' || encryption_key_id from rotation.settings where key = '"
                                + key + "'"))
                .containsExactly("<none>|k1");
        assertDenied(() -> rowsAs(admin, "select value_encrypted from rotation.settings where key = '" + key + "'"));
        assertDenied(() ->
                asUser(admin, "update rotation.settings set value_encrypted = '\\x00' where key = '" + key + "'"));
        assertThatThrownBy(() -> ownerExec("update rotation.settings set value = 'plain' where key = '" + key + "'"))
                .isInstanceOfSatisfying(
                        SQLException.class, e -> assertThat(e.getSQLState()).isEqualTo("23514"));
    }

    @Test
    void usersFileFeedbackWhileTriageStaysWithTheAdmin() throws SQLException {
        AppUser user = newUser();
        AppUser admin = newUserWithRole("admin");
        asUser(
                user,
                "insert into rotation.feedback (feedback_type, subject_type, subject_id, title, description) "
                        + "values ('bad_match', 'audio_match', 1, 'Wrong song', 'This is a live version')");
        String id = ownerQuery("select id from rotation.feedback where user_id = " + user.id());
        assertDenied(() -> asUser(
                user,
                "insert into rotation.feedback (feedback_type, subject_type, subject_id, title, description, status) "
                        + "values ('suggestion', 'record', 1, 'x', 'y', 'resolved')"));
        assertDenied(() -> asUser(
                user,
                "insert into rotation.feedback (feedback_type, subject_type, subject_id, title, description, assigned_to) "
                        + "values ('suggestion', 'record', 1, 'x', 'y', " + admin.id() + ")"));
        assertThat(updateAs(user, "update rotation.feedback set status = 'resolved' where id = " + id))
                .isZero();
        assertThat(updateAs(
                        admin,
                        "update rotation.feedback set status = 'in_review', assigned_to = " + admin.id()
                                + ", assigned_at = now() where id = " + id))
                .isEqualTo(1);
        assertThat(rowsAs(user, "select status::text from rotation.feedback")).containsExactly("in_review");
    }

    @Test
    void othersMayAddToPublicCollaborativeCollectionsAndRemoveOnlyWhatTheyAdded() throws SQLException {
        AppUser owner = newUser();
        AppUser guest = newUser();
        int record = newRecord(100, 200, 300);
        String open =
                ownerQuery("insert into rotation.user_collections (user_id, name, is_public, is_collaborative) values ("
                        + owner.id() + ", 'open crate', true, true) returning id");
        String closed = ownerQuery("insert into rotation.user_collections (user_id, name, is_public) values ("
                + owner.id() + ", 'closed crate', true) returning id");
        ownerExec("insert into rotation.user_collection_items (collection_id, track_id, added_by) values (" + open
                + ", " + trackOf(record, 0) + ", " + owner.id() + ")");

        asUser(
                guest,
                "insert into rotation.user_collection_items (collection_id, track_id) values (" + open + ", "
                        + trackOf(record, 1) + ")");
        assertDenied(() -> asUser(
                guest,
                "insert into rotation.user_collection_items (collection_id, track_id) values (" + closed + ", "
                        + trackOf(record, 1) + ")"));
        assertDenied(() -> asUser(
                guest,
                "insert into rotation.user_collection_items (collection_id, track_id, added_by) values (" + open + ", "
                        + trackOf(record, 2) + ", " + owner.id() + ")"));
        assertThat(updateAs(guest, "delete from rotation.user_collection_items where collection_id = " + open))
                .isEqualTo(1);
        assertThat(ownerRows("select track_id from rotation.user_collection_items where collection_id = " + open))
                .containsExactly(String.valueOf(trackOf(record, 0)));
        // The guest cannot touch the collection itself, nor its counters.
        assertThat(updateAs(guest, "update rotation.user_collections set name = 'mine' where id = " + open))
                .isZero();
        assertDenied(() -> asUser(owner, "update rotation.user_collections set total_tracks = 99 where id = " + open));
    }

    // ------------------------------------------------------------------------------------------
    // Triggers.
    // ------------------------------------------------------------------------------------------

    @Test
    void theAuditLogRecordsWhoChangedWhatAndSkipsEmptyUpdates() throws SQLException {
        int store = newStore("active");
        int record = newRecord(300);
        AppUser manager = newUserWithRole("store_manager");
        linkManager(store, manager.id());
        asUser(
                manager,
                "insert into rotation.store_inventory (store_id, record_id, price) values (" + store + ", " + record
                        + ", 12.50)");
        String item = ownerQuery("select id from rotation.store_inventory where store_id = " + store);
        asUser(
                manager,
                "update rotation.store_inventory set price = 15 where id = " + item,
                "update rotation.store_inventory set price = 15 where id = " + item, // changes nothing
                "delete from rotation.store_inventory where id = " + item);
        assertThat(ownerRows(
                        "select concat_ws('|', action, user_id, actor_role, old_values->>'price', new_values->>'price') "
                                + "from rotation.audit_logs where entity_type = 'store_inventory' and entity_id = "
                                + item + " order by id"))
                .containsExactly(
                        "create|" + manager.id() + "|authenticated|12.50",
                        "update|" + manager.id() + "|authenticated|12.50|15.00",
                        "delete|" + manager.id() + "|authenticated|15.00");
    }

    @Test
    void collectionStatsFollowTheItemsOfACollection() throws SQLException {
        AppUser user = newUser();
        int record = newRecord(100, 250, 400);
        asUser(user, "insert into rotation.user_collections (name) values ('warm-up')");
        String collection = ownerQuery("select id from rotation.user_collections where user_id = " + user.id());
        String second;
        asUser(user, "insert into rotation.user_collections (name) values ('peak time')");
        second = ownerQuery(
                "select id from rotation.user_collections where user_id = " + user.id() + " and name = 'peak time'");
        asUser(
                user,
                "insert into rotation.user_collection_items (collection_id, track_id, position) values (" + collection
                        + ", "
                        + trackOf(record, 0) + ", 1), (" + collection + ", " + trackOf(record, 1) + ", 2), ("
                        + collection + ", "
                        + trackOf(record, 2) + ", 3)");
        assertThat(stats(collection)).isEqualTo("3|750");
        asUser(user, "delete from rotation.user_collection_items where track_id = " + trackOf(record, 1));
        assertThat(stats(collection)).isEqualTo("2|500");
        asUser(
                user,
                "update rotation.user_collection_items set collection_id = " + second + " where track_id = "
                        + trackOf(record, 2));
        assertThat(stats(collection)).isEqualTo("1|100");
        assertThat(stats(second)).isEqualTo("1|400");
        asUser(user, "delete from rotation.user_collection_items where collection_id = " + collection);
        assertThat(stats(collection)).isEqualTo("0|0");
    }

    private static String stats(String collection) throws SQLException {
        return ownerQuery(
                "select total_tracks || '|' || total_duration_seconds from rotation.user_collections where id = "
                        + collection);
    }

    @Test
    void deletingAUserAnonymisesTheirAuditRows() throws SQLException {
        // The ledgers refuse UPDATE and DELETE to every role but their owner's paths (the platform's
        // append-only guard, CatalogRulesTest); a foreign-key action is one of those paths.
        AppUser user = newUser();
        ownerExec("insert into rotation.audit_logs (user_id, action, entity_type) values (" + user.id()
                + ", 'approve', 'stores')");
        ownerExec("delete from auth.users where id = '" + user.authId() + "'");
        assertThat(ownerQuery("select count(*) from rotation.audit_logs where user_id = " + user.id()))
                .isEqualTo("0");
    }

    // ------------------------------------------------------------------------------------------
    // The document's utility functions.
    // ------------------------------------------------------------------------------------------

    @Test
    void cleanupExpiredCandidatesRemovesOnlyExpiredCandidates() throws SQLException {
        int record = newRecord(100);
        String session = "sess-" + UUID.randomUUID();
        ownerExec(
                "insert into rotation.match_candidates (track_id, session_id, platform, external_id, url, confidence_score, expires_at) "
                        + "values (" + trackOf(record, 0) + ", '" + session
                        + "', 'youtube', 'old', 'u', 0.3, now() - interval '1 minute'), ("
                        + trackOf(record, 0) + ", '" + session + "', 'youtube', 'new', 'u', 0.3, default)");
        int removed = Integer.parseInt(callAs("service_role", null, "select rotation.cleanup_expired_candidates()"));
        assertThat(removed).isGreaterThanOrEqualTo(1);
        assertThat(ownerRows("select external_id from rotation.match_candidates where session_id = '" + session + "'"))
                .containsExactly("new");
        assertThat(ownerQuery(
                        "select (expires_at between now() + interval '59 minutes' and now() + interval '61 minutes')::text "
                                + "from rotation.match_candidates where session_id = '" + session + "'"))
                .isEqualTo("true");
    }

    @Test
    void aggregateDailyMetricsCountsOneUtcDayAndIsIdempotent() throws SQLException {
        String day = "2001-02-03";
        ownerExec("delete from rotation.daily_metrics where metric_date = '" + day + "'");
        int record = newRecord(100, 100);
        int first = trackOf(record, 0);
        int second = trackOf(record, 1);
        AppUser a = newUser();
        AppUser b = newUser();
        ownerExec("insert into rotation.play_history (user_id, track_id, action, played_at) values "
                + "(" + a.id() + ", " + first + ", 'play', '" + day + "T00:00:00Z'), "
                + "(" + a.id() + ", " + first + ", 'complete', '" + day + "T00:03:00Z'), "
                + "(" + b.id() + ", " + first + ", 'play', '" + day + "T23:59:59Z'), "
                + "(" + b.id() + ", " + second + ", 'play', '" + day + "T12:00:00Z'), "
                + "(" + b.id() + ", " + second + ", 'play', '2001-02-04T00:00:00Z')");
        ownerExec("insert into rotation.usage_metrics (user_id, event_type, event_name, \"timestamp\") values "
                + "(null, 'page_view', 'feed', '" + day + "T10:00:00Z')");
        String run = "select rotation.aggregate_daily_metrics('" + day + "')";
        String written = callAs("service_role", null, run);
        // Running it again changes nothing: no row rewritten, not even its updated_at (V125).
        String versions = "select id || ' ' || xmin || ' ' || updated_at from rotation.daily_metrics"
                + " where metric_date = '" + day + "' order by id";
        List<String> before = ownerRows(versions);
        assertThat(callAs("service_role", null, run)).isEqualTo("0");
        assertThat(ownerRows(versions)).isEqualTo(before);
        String metrics = "select concat_ws('|', metric_type, entity_type, entity_id, metric_name, metric_value) "
                + "from rotation.daily_metrics where metric_date = '" + day
                + "' and (entity_id is null or entity_id in ("
                + first + ", " + second + ")) order by metric_type, entity_type, entity_id, metric_name";
        assertThat(ownerRows(metrics))
                .containsExactly(
                        "track_activity|global|total_plays|3.00",
                        "track_activity|track|" + first + "|completions|1.00",
                        "track_activity|track|" + first + "|total_plays|2.00",
                        "track_activity|track|" + second + "|completions|0.00",
                        "track_activity|track|" + second + "|total_plays|1.00",
                        "user_activity|global|new_users|0.00",
                        "user_activity|global|unique_active_users|2.00");
        assertThat(ownerQuery("select count(*) from rotation.daily_metrics where metric_date = '" + day + "'"))
                .isEqualTo(written);

        // A late play changes the day's figures: only the rows whose values moved are written.
        ownerExec("insert into rotation.play_history (user_id, track_id, action, played_at) values (" + a.id() + ", "
                + second + ", 'play', '" + day + "T13:00:00Z')");
        assertThat(callAs("service_role", null, run))
                .isEqualTo("2"); // the day's plays and the track's; active users stay 2
        assertThat(ownerQuery("select metric_value from rotation.daily_metrics where metric_date = '" + day
                        + "' and entity_id = " + second + " and metric_name = 'total_plays'"))
                .isEqualTo("2.00");
    }

    @Test
    void cleanupOldAnalyticsDataKeepsWhatTheRetentionSettingsSay() throws SQLException {
        String tag = "retention-" + UUID.randomUUID();
        String job =
                ownerQuery("insert into rotation.jobs (type, title) values ('cleanup', '" + tag + "') returning id");
        ownerExec("insert into rotation.job_logs (job_id, message, logged_at) values (" + job
                + ", 'old', now() - interval '31 days'), (" + job + ", 'recent', now() - interval '29 days')");
        ownerExec("insert into rotation.usage_metrics (event_type, event_name, \"timestamp\") values " + "('click', '"
                + tag + "-100d', now() - interval '100 days'), ('click', '" + tag
                + "-300d', now() - interval '300 days')");
        ownerExec("insert into rotation.performance_metrics (metric_type, endpoint, measured_at) values "
                + "('api_response_time', '" + tag + "', now() - interval '8 days')");
        ownerExec(
                "insert into rotation.content_similarity (source_type, source_id, target_type, target_id, similarity_score, "
                        + "similarity_type, expires_at) values ('record', 1, 'record', 2, 0.5, '" + tag
                        + "', now() - interval '1 second')");
        ownerExec(
                "insert into rotation.settings (key, value, value_type) values ('retention.usage_metrics_days', '200', 'number') "
                        + "on conflict (key) do update set value = excluded.value, value_type = excluded.value_type");
        try {
            String removed = callAs("service_role", null, "select rotation.cleanup_old_analytics_data()::text");
            assertThat(removed)
                    .contains(
                            "\"job_logs\"",
                            "\"usage_metrics\"",
                            "\"performance_metrics\"",
                            "\"content_similarity\"",
                            "\"recommendation_data\"",
                            "\"feature_flag_evaluations\"",
                            "\"metadata_cache\"");
        } finally {
            ownerExec("delete from rotation.settings where key = 'retention.usage_metrics_days'");
        }
        assertThat(ownerRows("select message from rotation.job_logs where job_id = " + job))
                .containsExactly("recent");
        assertThat(ownerRows("select event_name from rotation.usage_metrics where event_name like '" + tag + "%'"))
                .containsExactly(tag + "-100d");
        assertThat(ownerQuery("select count(*) from rotation.performance_metrics where endpoint = '" + tag + "'"))
                .isEqualTo("0");
        assertThat(ownerQuery("select count(*) from rotation.content_similarity where similarity_type = '" + tag + "'"))
                .isEqualTo("0");
    }

    @Test
    void maintenanceFunctionsAreTheServerRolesAlone() throws SQLException {
        AppUser admin = newUserWithRole("admin");
        for (String call : new String[] {
            "rotation.cleanup_expired_candidates()",
            "rotation.aggregate_daily_metrics('2000-01-01')",
            "rotation.cleanup_old_analytics_data()",
            "rotation.upsert_discogs_release('{}')",
            "rotation.create_app_user(gen_random_uuid(), null, null)"
        }) {
            assertDenied(() -> rowsAs("anon", null, "select " + call));
            assertDenied(() -> rowsAs(admin, "select " + call));
        }
    }

    @Test
    void theLoginRoleCanReadNoRotationTableWithoutSwitchingRole() throws SQLException {
        try (Connection conn = server.loginRoleDataSource().getConnection();
                Statement st = conn.createStatement()) {
            assertThatThrownBy(() -> st.executeQuery("select count(*) from rotation.records"))
                    .isInstanceOfSatisfying(
                            SQLException.class, e -> assertThat(e.getSQLState()).isEqualTo("42501"));
        }
    }

    private static void assertDenied(ThrowingCallable call) {
        assertThatThrownBy(call)
                .isInstanceOfSatisfying(
                        SQLException.class,
                        e -> assertThat(e.getSQLState()).as(e.getMessage()).isEqualTo("42501"));
    }
}
