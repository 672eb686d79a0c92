/** Health checks for supervisors and load balancers. */
package dev.atelier.platform.health;
