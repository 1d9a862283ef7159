/**
 * A deterministic, seeded simulation of the lock engine against a simulated server and
 * network.
 */
@NullMarked
package dev.dlock.simulation;

import org.jspecify.annotations.NullMarked;
