/**
 * Settings: typed, validated configuration values in {@code rotation.settings} with profile
 * overrides per environment and sealed secrets, and maintenance windows, held in a cached
 * snapshot that LISTEN/NOTIFY keeps current across servers.
 */
@NullMarked
package dev.atelier.platform.settings;

import org.jspecify.annotations.NullMarked;
