/**
 * Test fixtures that run real Redis, etcd and NATS servers (single nodes and small clusters) on free loopback
 * ports, for integration tests and the benchmarks.
 * <p>
 * Each server is launched from the binary on {@code PATH} (also looked up in {@code /usr/sbin},
 * {@code /usr/local/bin} and {@code /usr/bin}). Where a single-server binary is missing and Docker is available,
 * a Testcontainers container is used instead; otherwise the fixture fails with a message that names the package
 * to install. Every process is killed by its PID on JVM exit.
 */
@NullMarked
package dev.dlock.testserver;

import org.jspecify.annotations.NullMarked;
