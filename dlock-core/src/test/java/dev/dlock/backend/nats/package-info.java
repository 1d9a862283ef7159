/**
 * Tests of the NATS JetStream backend that need no server; those against real nats-server
 * processes are in dlock-test-support.
 */
@NullMarked
package dev.dlock.backend.nats;

import org.jspecify.annotations.NullMarked;
