/**
 * A runnable demo of dlock.
 */
@NullMarked
package dev.dlock.sample;

import org.jspecify.annotations.NullMarked;
