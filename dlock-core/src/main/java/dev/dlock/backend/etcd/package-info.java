/**
 * The etcd backend: one lease per session, queue entries keyed by owner, tickets and
 * fencing tokens from create revisions, wake-ups by watch.
 */
@NullMarked
package dev.dlock.backend.etcd;

import org.jspecify.annotations.NullMarked;
