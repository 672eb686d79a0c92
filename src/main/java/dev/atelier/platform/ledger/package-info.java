/** Credits: the one ledger engine (spend, refund, grant, adjust, holds, idempotency keys, reconcile) over each app's own tables. */
@NullMarked
package dev.atelier.platform.ledger;

import org.jspecify.annotations.NullMarked;
