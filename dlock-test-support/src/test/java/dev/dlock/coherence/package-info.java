/**
 * Tests of {@link dev.dlock.coherence.CoherentValue} on the in-memory backend.
 */
@NullMarked
package dev.dlock.coherence;

import org.jspecify.annotations.NullMarked;
