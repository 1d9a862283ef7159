/**
 * The in-memory backend: full lock semantics inside one JVM, for single-instance
 * applications and tests.
 */
@NullMarked
package dev.dlock.backend.memory;

import org.jspecify.annotations.NullMarked;
