/**
 * Micrometer Observation types for lock acquisition, holding and renewal: contexts,
 * conventions and their documentation. Lock keys are never low-cardinality tags.
 */
@NullMarked
package dev.dlock.observation;

import org.jspecify.annotations.NullMarked;
