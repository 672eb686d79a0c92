/** MoodScale: a mood journal linked to music; its tables are served by the data API, its Spotify link by this package. */
package dev.atelier.apps.moodscale;
