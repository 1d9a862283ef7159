/**
 * Auto-configuration of the dlock actuator endpoint.
 */
@NullMarked
package dev.dlock.autoconfigure.endpoint;

import org.jspecify.annotations.NullMarked;
