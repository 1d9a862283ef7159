/**
 * Tests of the Redis backend against real servers.
 */
@NullMarked
package dev.dlock.backend.redis;

import org.jspecify.annotations.NullMarked;
