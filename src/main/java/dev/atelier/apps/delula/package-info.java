/** Delula: AI image and video generation; its credits endpoints and daily refresh by this package. */
@NullMarked
package dev.atelier.apps.delula;

import org.jspecify.annotations.NullMarked;
