/**
 * Auto-configuration of the live locks page.
 */
@NullMarked
package dev.dlock.autoconfigure.page;

import org.jspecify.annotations.NullMarked;
