/** Secrets at rest: AES-256-GCM with rotating keys held outside the database. */
@NullMarked
package dev.atelier.platform.crypto;

import org.jspecify.annotations.NullMarked;
