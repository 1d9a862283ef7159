/**
 * The NATS JetStream key-value backend: one public {@link dev.dlock.backend.nats.NatsLockBackend}.
 */
@NullMarked
package dev.dlock.backend.nats;

import org.jspecify.annotations.NullMarked;
