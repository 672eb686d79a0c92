/**
 * Delula: AI image and video generation from recipes (generations held, made and charged through
 * the job engine), its credits endpoints and daily refresh.
 */
@NullMarked
package dev.atelier.apps.delula;

import org.jspecify.annotations.NullMarked;
