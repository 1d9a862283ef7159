/**
 * Tests of the auto-configuration of the ShedLock provider.
 */
@NullMarked
package dev.dlock.shedlock.autoconfigure;

import org.jspecify.annotations.NullMarked;
