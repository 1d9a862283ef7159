/**
 * Benchmarks of dlock beside the raw server round trips and the locks users would pick
 * instead; run by {@link dev.dlock.benchmarks.Benchmarks}, never by the build's tests.
 */
@NullMarked
package dev.dlock.benchmarks;

import org.jspecify.annotations.NullMarked;
