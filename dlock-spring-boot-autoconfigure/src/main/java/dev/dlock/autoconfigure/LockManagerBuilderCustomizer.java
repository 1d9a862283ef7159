package dev.dlock.autoconfigure;

import dev.dlock.engine.LockManagerBuilder;

/**
 * Customizes the auto-configured {@link dev.dlock.LockManager} before it is built.
 * Customizer beans are applied in their order.
 *
 * @since 0.1.0
 */
@FunctionalInterface
public interface LockManagerBuilderCustomizer {

	/**
	 * Customizes the builder.
	 * @param builder the builder, already set up from the {@code dlock.*} properties
	 */
	void customize(LockManagerBuilder builder);

}
