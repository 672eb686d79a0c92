/** Identities, sign-up and sign-in, and the JWTs that carry a caller's role into every database transaction. */
@NullMarked
package dev.atelier.platform.auth;

import org.jspecify.annotations.NullMarked;
