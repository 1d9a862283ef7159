/**
 * What the backends' tests share.
 */
@NullMarked
package dev.dlock.backend;

import org.jspecify.annotations.NullMarked;
