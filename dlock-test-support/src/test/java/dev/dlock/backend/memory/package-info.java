/**
 * Tests of the in-memory backend.
 */
@NullMarked
package dev.dlock.backend.memory;

import org.jspecify.annotations.NullMarked;
