package dev.atelier.platform.rest;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class PgErrorsTest {

    private static int status(String state) {
        return PgErrors.status(state, "", false);
    }

    @Test
    void mapsSqlstatesAsPostgrestDoes() {
        assertThat(status("23505")).isEqualTo(409);
        assertThat(status("23503")).isEqualTo(409);
        assertThat(status("23514")).isEqualTo(400);
        assertThat(status("23502")).isEqualTo(400);
        assertThat(status("22P02")).isEqualTo(400);
        assertThat(status("22003")).isEqualTo(400);
        assertThat(status("42703")).isEqualTo(400);
        assertThat(status("42883")).isEqualTo(404);
        assertThat(status("42P01")).isEqualTo(404);
        assertThat(status("25006")).isEqualTo(405);
        assertThat(status("P0001")).isEqualTo(400);
        assertThat(status("P0002")).isEqualTo(500);
        assertThat(status("57014")).isEqualTo(500);
        assertThat(status("57P01")).isEqualTo(503);
        assertThat(status("40001")).isEqualTo(500);
        assertThat(status("08006")).isEqualTo(503);
        assertThat(status("53300")).isEqualTo(503);
        assertThat(status("53400")).isEqualTo(500);
        assertThat(status("28000")).isEqualTo(403);
        assertThat(status("XX000")).isEqualTo(500);
        assertThat(status("42P17")).isEqualTo(500);
    }

    @Test
    void insufficientPrivilegeIs401ForAnonymousAnd403Otherwise() {
        assertThat(PgErrors.status("42501", "permission denied", true)).isEqualTo(401);
        assertThat(PgErrors.status("42501", "permission denied", false)).isEqualTo(403);
    }

    @Test
    void ptCodesCarryTheirOwnStatus() {
        assertThat(status("PT402")).isEqualTo(402);
        assertThat(status("PT999")).isEqualTo(500);
    }

    @Test
    void aMissingRoleIs401() {
        assertThat(PgErrors.status("22023", "role \"x\" does not exist", false)).isEqualTo(401);
        assertThat(PgErrors.status("22023", "invalid value", false)).isEqualTo(400);
    }
}
