/**
 * Tests of the etcd backend that need no server; those against real etcd servers are in
 * dlock-test-support.
 */
@NullMarked
package dev.dlock.backend.etcd;

import org.jspecify.annotations.NullMarked;
