/** MoodScale: a mood journal linked to music; its tables are served by the data API, its Spotify link by this package. */
@NullMarked
package dev.atelier.apps.moodscale;

import org.jspecify.annotations.NullMarked;
