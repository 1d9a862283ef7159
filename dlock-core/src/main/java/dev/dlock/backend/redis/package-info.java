/**
 * The Redis backend: one Lua script per operation over Lettuce, wake-ups by pub/sub.
 */
@NullMarked
package dev.dlock.backend.redis;

import org.jspecify.annotations.NullMarked;
