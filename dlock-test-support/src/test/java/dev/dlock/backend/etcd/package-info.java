/**
 * Tests of the etcd backend against real etcd servers.
 */
@NullMarked
package dev.dlock.backend.etcd;

import org.jspecify.annotations.NullMarked;
