/** AI providers: one interface for the generative work the apps do (images, video, story text, scenes, moderation, speech), a built-in local provider and configured remote ones. */
@NullMarked
package dev.atelier.platform.ai;

import org.jspecify.annotations.NullMarked;
