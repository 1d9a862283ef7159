/**
 * Controlled-concurrency tests of the engine: real threads under a model-checking scheduler
 * that explores their interleavings and prints a failing one.
 */
@NullMarked
package dev.dlock.concurrency;

import org.jspecify.annotations.NullMarked;
