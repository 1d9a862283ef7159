/**
 * Helpers for backend authors: key encoding, the grant rule, time and scheduling.
 */
@NullMarked
package dev.dlock.support;

import org.jspecify.annotations.NullMarked;
