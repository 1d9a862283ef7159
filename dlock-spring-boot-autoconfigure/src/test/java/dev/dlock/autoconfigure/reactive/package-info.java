/**
 * Tests of the reactive lock manager's auto-configuration.
 */
@NullMarked
package dev.dlock.autoconfigure.reactive;

import org.jspecify.annotations.NullMarked;
