/**
 * The lock engine: {@link dev.dlock.engine.LockManagerBuilder} builds the
 * {@link dev.dlock.LockManager} that implements the API of {@code dev.dlock} on a backend of
 * {@code dev.dlock.spi}. Everything here but the builder is package-private: waiting,
 * wake-ups, timeouts, re-entrancy, renewal, loss detection, background release and shutdown
 * are written once, for every backend.
 */
@NullMarked
package dev.dlock.engine;

import org.jspecify.annotations.NullMarked;
