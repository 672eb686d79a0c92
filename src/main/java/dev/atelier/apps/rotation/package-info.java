/** Rotation: vinyl discovery; its catalogue and user tables are served by the data API, its Discogs link by this package. */
package dev.atelier.apps.rotation;
