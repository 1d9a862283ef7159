/**
 * The far end of a deliberate package cycle; see {@link dev.dlock.backend.violation}.
 */
@NullMarked
package dev.dlock.backend.violation.cycle;

import org.jspecify.annotations.NullMarked;
