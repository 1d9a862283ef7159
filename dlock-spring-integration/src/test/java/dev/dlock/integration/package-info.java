/**
 * Tests of the lock registry: the {@code Lock} contract and Spring Integration flows, on
 * every backend.
 */
@NullMarked
package dev.dlock.integration;

import org.jspecify.annotations.NullMarked;
