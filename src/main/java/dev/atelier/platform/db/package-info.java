/** The PostgreSQL the server runs on: embedded or external, migrated as the owner, used through a pool that owns nothing. */
@NullMarked
package dev.atelier.platform.db;

import org.jspecify.annotations.NullMarked;
