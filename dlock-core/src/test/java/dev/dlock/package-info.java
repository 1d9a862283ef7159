/**
 * Tests of the dlock API and engine.
 */
@NullMarked
package dev.dlock;

import org.jspecify.annotations.NullMarked;
