/**
 * Tests of the {@code @DistributedLock} interceptor, on the in-memory backend and (the
 * loss-aware methods kit) on paused Redis, etcd and NATS servers.
 */
@NullMarked
package dev.dlock.spring.aop;

import org.jspecify.annotations.NullMarked;
