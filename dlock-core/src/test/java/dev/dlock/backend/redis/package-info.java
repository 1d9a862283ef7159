/**
 * Tests of the Redis backend that need no server; those against real servers are in
 * dlock-test-support.
 */
@NullMarked
package dev.dlock.backend.redis;

import org.jspecify.annotations.NullMarked;
