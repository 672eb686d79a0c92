/** A user's own account across the five apps: the export of all their rows and the deletion of the account. */
@NullMarked
package dev.atelier.platform.account;

import org.jspecify.annotations.NullMarked;
