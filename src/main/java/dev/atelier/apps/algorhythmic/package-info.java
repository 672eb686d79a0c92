/** Algorhythmic: generative art that reacts to music; its credits by subscription tier and billing cycle, its Stripe webhook and its periodic work. */
@NullMarked
package dev.atelier.apps.algorhythmic;

import org.jspecify.annotations.NullMarked;
