/** Health checks for supervisors and load balancers. */
@NullMarked
package dev.atelier.platform.health;

import org.jspecify.annotations.NullMarked;
