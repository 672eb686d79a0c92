/** InfiniteStories: personalised bedtime stories; its data lives in the infinitestories schema and is served by the data API. */
@NullMarked
package dev.atelier.apps.infinitestories;

import org.jspecify.annotations.NullMarked;
