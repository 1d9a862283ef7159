/**
 * Tests of the backend helpers against the conformance kit's compatibility oracle.
 */
@NullMarked
package dev.dlock.support;

import org.jspecify.annotations.NullMarked;
