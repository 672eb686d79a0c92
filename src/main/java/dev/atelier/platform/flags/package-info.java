/**
 * Feature flags: one engine for Rotation's four flag types and Unleash's strategies, constraints,
 * segments, variants and dependencies, with a cached snapshot refreshed by LISTEN/NOTIFY,
 * aggregated evaluation counts and Unleash's client and frontend APIs.
 */
@NullMarked
package dev.atelier.platform.flags;

import org.jspecify.annotations.NullMarked;
