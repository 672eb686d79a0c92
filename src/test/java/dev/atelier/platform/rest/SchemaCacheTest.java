package dev.atelier.platform.rest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** The exposed schemas are PostgREST's db-schemas: only what configuration names, the first being the default. */
class SchemaCacheTest {

    @Test
    void exposesTheConfiguredSchemasInOrderTheFirstBeingTheDefault() {
        SchemaCache cache = new SchemaCache(null, " beta, alpha ,gamma");
        assertThat(cache.schemas()).containsExactly("beta", "alpha", "gamma");
    }

    @Test
    void refusesAConfigurationThatNamesNoSchema() {
        assertThatThrownBy(() -> new SchemaCache(null, " , "))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("atelier.rest.schemas");
    }
}
