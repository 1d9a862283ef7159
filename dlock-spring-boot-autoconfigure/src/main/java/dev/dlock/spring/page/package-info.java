/**
 * The live locks page: a read-only web page of the locks this instance holds and waits
 * for, fed by the dlock endpoint's data.
 */
@NullMarked
package dev.dlock.spring.page;

import org.jspecify.annotations.NullMarked;
