/** Atelier: the command line and the server that runs the platform and the five apps on PostgreSQL. */
@NullMarked
package dev.atelier;

import org.jspecify.annotations.NullMarked;
