/**
 * Tests of the test servers: each starts, serves its client and survives kill, pause and restart.
 */
@NullMarked
package dev.dlock.testserver;

import org.jspecify.annotations.NullMarked;
