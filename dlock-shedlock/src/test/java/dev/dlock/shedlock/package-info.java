/**
 * Tests of the ShedLock provider: ShedLock's own provider contract on every backend.
 */
@NullMarked
package dev.dlock.shedlock;

import org.jspecify.annotations.NullMarked;
