/**
 * Tests of the dlock API and engine that use the conformance kit's doubles (manual time, a cuttable
 * backend, the compatibility oracle); the others are in dlock-core.
 */
@NullMarked
package dev.dlock;

import org.jspecify.annotations.NullMarked;
