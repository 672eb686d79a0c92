/** Backups of the embedded database with point-in-time recovery (WAL archive, base backups, restore, verify) and logical export/import. */
@NullMarked
package dev.atelier.platform.backup;

import org.jspecify.annotations.NullMarked;
