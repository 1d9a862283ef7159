/**
 * Tests of the backend helpers.
 */
@NullMarked
package dev.dlock.support;

import org.jspecify.annotations.NullMarked;
