/**
 * The conformance kit every backend's tests extend, and its test doubles.
 */
@NullMarked
package dev.dlock.tck;

import org.jspecify.annotations.NullMarked;
