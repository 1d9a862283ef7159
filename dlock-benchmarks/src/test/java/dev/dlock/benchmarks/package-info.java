/**
 * Tests of the benchmark's statistics and reports (no timing is asserted anywhere).
 */
@NullMarked
package dev.dlock.benchmarks;

import org.jspecify.annotations.NullMarked;
