package dev.dlock.autoconfigure.page;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import dev.dlock.LockHandle;
import dev.dlock.LockManager;
import dev.dlock.LockMode;
import dev.dlock.autoconfigure.DlockAutoConfiguration;
import dev.dlock.autoconfigure.endpoint.DlockEndpointAutoConfiguration;
import dev.dlock.spring.endpoint.DlockEndpoint;
import dev.dlock.spring.page.DlockPage;
import org.junit.jupiter.api.Test;

import org.springframework.boot.actuate.autoconfigure.endpoint.EndpointAutoConfiguration;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.assertj.AssertableWebApplicationContext;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.test.context.runner.WebApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.io.ClassPathResource;
import org.springframework.http.MediaType;
import org.springframework.test.web.servlet.MockMvc;
import org.springframework.test.web.servlet.MvcResult;
import org.springframework.test.web.servlet.setup.MockMvcBuilders;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.mockito.BDDMockito.mock;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.delete;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.get;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.post;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.put;

/**
 * Tests of {@link DlockPageAutoConfiguration} and {@link DlockPage}, through MockMvc; the
 * page in a real browser is tested in the sample app.
 */
class DlockPageAutoConfigurationTests {

	private final WebApplicationContextRunner runner = new WebApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(DlockAutoConfiguration.class, EndpointAutoConfiguration.class,
				DlockEndpointAutoConfiguration.class, DlockPageAutoConfiguration.class))
		.withPropertyValues("dlock.backend=memory");

	@Test
	void offByDefault() {
		this.runner.withPropertyValues("management.endpoints.web.exposure.include=dlock")
			.run((context) -> assertThat(context).hasSingleBean(DlockEndpoint.class).doesNotHaveBean(DlockPage.class));
	}

	@Test
	void absentOutsideAWebApplication() {
		new ApplicationContextRunner()
			.withConfiguration(AutoConfigurations.of(DlockAutoConfiguration.class, DlockPageAutoConfiguration.class))
			.withPropertyValues("dlock.backend=memory", "dlock.page.enabled=true")
			.run((context) -> assertThat(context).hasSingleBean(LockManager.class).doesNotHaveBean(DlockPage.class));
	}

	@Test
	void backsOffForAUserPage() {
		this.runner.withPropertyValues("dlock.page.enabled=true")
			.withUserConfiguration(UserPage.class)
			.run((context) -> assertThat(context).getBean(DlockPage.class).isSameAs(context.getBean("userPage")));
	}

	@Test
	void showsTheLocksOfThisInstanceWithKeysMaskedAsTheExposedEndpointMasksThem() {
		this.runner.withPropertyValues("dlock.page.enabled=true", "management.endpoints.web.exposure.include=dlock")
			.run((context) -> {
				String key = "customer-" + UUID.randomUUID();
				try (LockHandle handle = context.getBean(LockManager.class).tryAcquire(key, LockMode.PW).orElseThrow()) {
					String locks = body(mvc(context).perform(get("/dlock/locks")).andReturn(), 200);
					String mask = context.getBean(DlockEndpoint.class).mask(key);
					assertThat(locks).contains("\"keysMasked\":true")
						.contains("\"key\":\"" + mask + "\"")
						.contains("\"mode\":\"PW\"")
						.contains("\"state\":\"HELD\"")
						.contains("\"fencingToken\":" + handle.fencingToken())
						.containsPattern("\"heldForMillis\":\\d+")
						.containsPattern("\"leaseLeftMillis\":[1-9]\\d*")
						.doesNotContain(key);
				}
				assertThat(body(mvc(context).perform(get("/dlock/locks")).andReturn(), 200))
					.isEqualTo("{\"keysMasked\":true,\"locks\":[]}");
			});
	}

	@Test
	void masksKeysWithoutAnExposedEndpoint() {
		this.runner.withPropertyValues("dlock.page.enabled=true").run((context) -> {
			assertThat(context).doesNotHaveBean(DlockEndpoint.class);
			String key = "customer-" + UUID.randomUUID();
			try (LockHandle handle = context.getBean(LockManager.class).tryAcquire(key, LockMode.EX).orElseThrow()) {
				String locks = body(mvc(context).perform(get("/dlock/locks")).andReturn(), 200);
				assertThat(locks).contains("\"keysMasked\":true").containsPattern("\"key\":\"hmac:[0-9a-f]{16}\"");
				assertThat(locks).doesNotContain(key);
			}
		});
	}

	@Test
	void showsKeysWhenTheEndpointDoesNotMaskThem() {
		this.runner.withPropertyValues("dlock.page.enabled=true", "dlock.endpoint.mask-keys=false").run((context) -> {
			String key = "plain-" + UUID.randomUUID();
			try (LockHandle handle = context.getBean(LockManager.class).tryAcquire(key, LockMode.EX).orElseThrow()) {
				assertThat(body(mvc(context).perform(get("/dlock/locks")).andReturn(), 200))
					.contains("\"keysMasked\":false")
					.contains("\"key\":\"" + key + "\"");
			}
		});
	}

	@Test
	void servesThePageItsScriptAndStyleWithAPolicyThatAllowsNothingFromElsewhere() {
		this.runner.withPropertyValues("dlock.page.enabled=true").run((context) -> {
			MockMvc mvc = mvc(context);
			MvcResult redirect = mvc.perform(get("/dlock")).andReturn();
			assertThat(redirect.getResponse().getStatus()).isEqualTo(303);
			assertThat(redirect.getResponse().getHeader("Location")).isEqualTo("dlock/");
			for (String[] resource : List.of(new String[] { "/dlock/", "text/html" },
					new String[] { "/dlock/page.js", "text/javascript" }, new String[] { "/dlock/page.css", "text/css" },
					new String[] { "/dlock/locks", "application/json" })) {
				MvcResult result = mvc.perform(get(resource[0])).andReturn();
				body(result, 200);
				assertThat(MediaType.parseMediaType(result.getResponse().getContentType()).isCompatibleWith(
						MediaType.parseMediaType(resource[1])))
					.as(resource[0])
					.isTrue();
				assertThat(result.getResponse().getHeader("Content-Security-Policy")).as(resource[0])
					.contains("default-src 'none'")
					.contains("script-src 'self'")
					.contains("connect-src 'self'")
					.contains("frame-ancestors 'none'")
					.doesNotContain("unsafe");
			}
		});
	}

	@Test
	void pageRefersOnlyToFilesBesideIt() throws Exception {
		String html = new ClassPathResource("dev/dlock/spring/page/index.html").getContentAsString(StandardCharsets.UTF_8);
		Matcher references = Pattern.compile("(?:src|href)=\"([^\"]*)\"").matcher(html);
		List<String> found = references.results().map((match) -> match.group(1)).toList();
		assertThat(found).containsExactlyInAnyOrder("page.css", "page.js");
		String script = new ClassPathResource("dev/dlock/spring/page/page.js").getContentAsString(StandardCharsets.UTF_8);
		assertThat(script).doesNotContain("//" + "http").doesNotContain("http:").doesNotContain("https:");
		assertThat(Pattern.compile("fetch\\(([^,)]*)").matcher(script).results().map((match) -> match.group(1)))
			.containsExactly("\"locks\"");
	}

	@Test
	void isReadOnly() {
		this.runner.withPropertyValues("dlock.page.enabled=true").run((context) -> {
			MockMvc mvc = mvc(context);
			try (LockHandle handle = context.getBean(LockManager.class)
				.tryAcquire("kept-" + UUID.randomUUID(), LockMode.EX)
				.orElseThrow()) {
				for (String path : List.of("/dlock", "/dlock/", "/dlock/locks")) {
					assertThat(mvc.perform(post(path)).andReturn().getResponse().getStatus()).as("POST " + path)
						.isBetween(400, 499);
					assertThat(mvc.perform(put(path)).andReturn().getResponse().getStatus()).as("PUT " + path)
						.isBetween(400, 499);
					assertThat(mvc.perform(delete(path)).andReturn().getResponse().getStatus()).as("DELETE " + path)
						.isBetween(400, 499);
				}
				assertThat(handle.isValid()).isTrue();
				assertThat(context.getBean(LockManager.class).locks()).hasSize(1);
			}
		});
	}

	@Test
	void servesUnderTheConfiguredPath() {
		this.runner.withPropertyValues("dlock.page.enabled=true", "dlock.page.path=/ops/locks").run((context) -> {
			MockMvc mvc = mvc(context);
			body(mvc.perform(get("/ops/locks/")).andReturn(), 200);
			body(mvc.perform(get("/ops/locks/locks")).andReturn(), 200);
			assertThat(mvc.perform(get("/dlock/")).andReturn().getResponse().getStatus()).isEqualTo(404);
		});
	}

	@Test
	void rejectsAPathThatCouldEscapeIt() {
		DlockEndpoint endpoint = new DlockEndpoint(mock(LockManager.class), true);
		for (String path : List.of("", "/", "dlock", "/dlock/", "/a b", "/..", "/ops/.hidden", "/..%2f",
				"//evil.example")) {
			assertThatIllegalArgumentException().as(path).isThrownBy(() -> new DlockPage(endpoint, path));
		}
	}

	private static MockMvc mvc(AssertableWebApplicationContext context) {
		return MockMvcBuilders.routerFunctions(context.getBean(DlockPage.class)).build();
	}

	private static String body(MvcResult result, int status) throws Exception {
		assertThat(result.getResponse().getStatus()).as(result.getRequest().getRequestURI()).isEqualTo(status);
		return result.getResponse().getContentAsString(StandardCharsets.UTF_8);
	}

	@Configuration(proxyBeanMethods = false)
	static class UserPage {

		@Bean
		DlockPage userPage(LockManager lockManager) {
			return new DlockPage(new DlockEndpoint(lockManager, true), "/mine");
		}

	}

}
