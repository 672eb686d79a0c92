package dev.atelier.platform.rest;

import java.util.Locale;

/**
 * How a data API transaction ends, PostgREST's {@code db-tx-end} ({@code atelier.rest.tx-end}):
 * committed or rolled back, and whether a request's {@code Prefer: tx=commit|rollback} may
 * choose otherwise.
 */
enum TxEnd {
    COMMIT(false, false),
    COMMIT_ALLOW_OVERRIDE(false, true),
    ROLLBACK(true, false),
    ROLLBACK_ALLOW_OVERRIDE(true, true);

    final boolean rollbackAll;
    final boolean allowOverride;

    TxEnd(boolean rollbackAll, boolean allowOverride) {
        this.rollbackAll = rollbackAll;
        this.allowOverride = allowOverride;
    }

    /** PostgREST's spelling: commit, commit-allow-override, rollback, rollback-allow-override. */
    static TxEnd parse(String value) {
        for (TxEnd end : values()) {
            if (end.setting().equals(value.trim().toLowerCase(Locale.ROOT))) {
                return end;
            }
        }
        throw new IllegalArgumentException("atelier.rest.tx-end must be commit, commit-allow-override, rollback or "
                + "rollback-allow-override, not " + value);
    }

    String setting() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    /** Whether a request with these preferences (tx= already dropped unless overridable) is rolled back. */
    boolean rollsBack(Preferences prefs) {
        return prefs.tx() == Preferences.Tx.ROLLBACK || (rollbackAll && prefs.tx() != Preferences.Tx.COMMIT);
    }
}
