/** Files: a Supabase-Storage-compatible API at /storage/v1, with metadata in PostgreSQL under row-level security and bytes on disk or S3. */
@NullMarked
package dev.atelier.platform.storage;

import org.jspecify.annotations.NullMarked;
