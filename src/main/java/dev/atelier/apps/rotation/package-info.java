/** Rotation: vinyl discovery; its catalogue and user tables are served by the data API, its Discogs link by this package. */
@NullMarked
package dev.atelier.apps.rotation;

import org.jspecify.annotations.NullMarked;
