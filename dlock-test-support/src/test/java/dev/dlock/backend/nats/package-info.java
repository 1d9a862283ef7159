/**
 * Tests of the NATS JetStream backend against real nats-server processes.
 */
@NullMarked
package dev.dlock.backend.nats;

import org.jspecify.annotations.NullMarked;
