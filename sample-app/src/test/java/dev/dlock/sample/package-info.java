/**
 * Tests of the sample app.
 */
@NullMarked
package dev.dlock.sample;

import org.jspecify.annotations.NullMarked;
