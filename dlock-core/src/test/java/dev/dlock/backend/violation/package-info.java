/**
 * A backend that breaks every rule of {@link dev.dlock.ArchitectureTests} on purpose: each
 * class is one violation, which the tests show that the rule reports. Only those tests
 * import these classes; they are never used.
 */
@NullMarked
package dev.dlock.backend.violation;

import org.jspecify.annotations.NullMarked;
