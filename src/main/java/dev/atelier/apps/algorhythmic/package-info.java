/** Algorhythmic: generative art that reacts to music; its tables are served by the data API, its periodic work by this package. */
@NullMarked
package dev.atelier.apps.algorhythmic;

import org.jspecify.annotations.NullMarked;
