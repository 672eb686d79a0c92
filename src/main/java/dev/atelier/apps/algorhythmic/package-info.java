/** Algorhythmic: generative art; its credits by subscription tier and billing cycle, and its Stripe webhook, by this package. */
@NullMarked
package dev.atelier.apps.algorhythmic;

import org.jspecify.annotations.NullMarked;
