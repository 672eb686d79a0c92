/** Secrets at rest: AES-256-GCM with rotating keys held outside the database. */
package dev.atelier.platform.crypto;
