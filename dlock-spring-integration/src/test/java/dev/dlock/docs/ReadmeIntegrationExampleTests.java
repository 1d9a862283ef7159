package dev.dlock.docs;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import dev.dlock.LockInfo;
import dev.dlock.LockManager;
import dev.dlock.LockMode;
import dev.dlock.autoconfigure.DlockAutoConfiguration;
import dev.dlock.integration.DlockLockRegistry;
import dev.dlock.integration.autoconfigure.DlockIntegrationAutoConfiguration;
import org.junit.jupiter.api.Test;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.integration.config.EnableIntegration;
import org.springframework.integration.dsl.IntegrationFlow;
import org.springframework.integration.handler.advice.LockRequestHandlerAdvice;
import org.springframework.integration.support.MessageBuilder;
import org.springframework.messaging.MessageChannel;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Runs the README's Spring Integration flow in an application with the auto-configured
 * {@link DlockLockRegistry} on the in-memory backend, and checks that the README shows
 * exactly this code.
 */
class ReadmeIntegrationExampleTests {

	@Test
	void ordersFlowShipsEachWholeOrderUnderTheShippingLockAndIsTheOneInTheReadme() throws IOException {
		new ApplicationContextRunner()
			.withConfiguration(
					AutoConfigurations.of(DlockAutoConfiguration.class, DlockIntegrationAutoConfiguration.class))
			.withPropertyValues("dlock.backend=memory")
			.withUserConfiguration(OrdersConfiguration.class)
			.run((context) -> {
				MessageChannel input = context.getBean("orders.input", MessageChannel.class);
				// order 7 has two lines, order 8 three; their lines arrive interleaved
				send(input, 7, 1, 2);
				send(input, 8, 1, 3);
				send(input, 8, 2, 3);
				send(input, 7, 2, 2);
				send(input, 8, 3, 3);
				Shipping shipping = context.getBean(Shipping.class);
				assertThat(shipping.shipped()).containsExactly(List.of("7/1", "7/2"), List.of("8/1", "8/2", "8/3"));
				assertThat(shipping.locksWhileShipping()).hasSize(2)
					.allSatisfy((locks) -> assertThat(locks).anySatisfy((lock) -> assertThat(lock)
						.extracting(LockInfo::key, LockInfo::mode, LockInfo::state)
						.containsExactly("shipping", LockMode.EX, LockInfo.State.HELD)));
				assertThat(context.getBean(LockManager.class).locks()).as("every lock released").isEmpty();
			});
		assertThat(Files.readString(Path.of("../README.md"))).contains(tagged("orders"));
	}

	private static void send(MessageChannel input, int order, int line, int lines) {
		input.send(MessageBuilder.withPayload(order + "/" + line)
			.setHeader("order", order)
			.setSequenceNumber(line)
			.setSequenceSize(lines)
			.build());
	}

	/**
	 * The lines of this file between the lines of one tag, without the tag lines'
	 * indentation and with tabs as four spaces, as the README shows them.
	 */
	private static String tagged(String tag) throws IOException {
		String source = Files.readString(Path.of("src/test/java/dev/dlock/docs/ReadmeIntegrationExampleTests.java"));
		Matcher region = Pattern.compile("(?ms)^(\\t*)// tag::" + tag + "\\[]\\n(.*?)^\\t*// end::" + tag + "\\[]")
			.matcher(source);
		assertThat(region.find()).as("a region tagged '%s'", tag).isTrue();
		return region.group(2).replaceAll("(?m)^" + region.group(1), "").replace("\t", "    ");
	}

	@Configuration(proxyBeanMethods = false)
	@EnableIntegration
	static class OrdersConfiguration {

		@Bean
		Shipping shipping(LockManager lockManager) {
			return new Shipping(lockManager);
		}

		// tag::orders[]
		@Bean
		IntegrationFlow orders(DlockLockRegistry locks, Shipping shipping) {
			return (flow) -> flow
				.aggregate((aggregator) -> aggregator.correlationExpression("headers.order").lockRegistry(locks))
				.handle(shipping, "ship", (endpoint) -> endpoint.advice(new LockRequestHandlerAdvice(locks, "shipping")));
		}
		// end::orders[]

	}

	/** The application's service that the flow hands each whole order to; notes the locks held meanwhile. */
	static final class Shipping {

		private final List<List<String>> shipped = new CopyOnWriteArrayList<>();

		private final List<List<LockInfo>> locksWhileShipping = new CopyOnWriteArrayList<>();

		private final LockManager lockManager;

		Shipping(LockManager lockManager) {
			this.lockManager = lockManager;
		}

		public void ship(List<String> lines) {
			this.locksWhileShipping.add(this.lockManager.locks());
			this.shipped.add(lines);
		}

		List<List<String>> shipped() {
			return this.shipped;
		}

		List<List<LockInfo>> locksWhileShipping() {
			return this.locksWhileShipping;
		}

	}

}
