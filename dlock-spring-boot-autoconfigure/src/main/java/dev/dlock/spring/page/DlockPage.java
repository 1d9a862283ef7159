package dev.dlock.spring.page;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

import dev.dlock.spring.endpoint.DlockEndpoint;
import dev.dlock.spring.endpoint.DlockEndpoint.LockDescriptor;
import dev.dlock.spring.endpoint.DlockEndpoint.LocksDescriptor;
import org.jspecify.annotations.Nullable;

import org.springframework.core.io.ClassPathResource;
import org.springframework.http.CacheControl;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.web.servlet.function.HandlerFunction;
import org.springframework.web.servlet.function.RouterFunction;
import org.springframework.web.servlet.function.RouterFunctions;
import org.springframework.web.servlet.function.ServerRequest;
import org.springframework.web.servlet.function.ServerResponse;

/**
 * The live locks page of a Spring MVC application: one read-only page that shows, per key,
 * the locks this instance holds and waits for, by mode, with fencing token, how long each
 * is held or has waited, and the lease left. The page asks for the data twice a second.
 * <p>
 * The data is the {@link DlockEndpoint dlock endpoint}'s own answer, keys masked or not
 * as the endpoint masks them, with its durations in milliseconds. Under its path the page
 * serves, for {@code GET} only:
 * <ul>
 * <li>{@code {path}/}: the page, and its script and style sheet beside it; {@code {path}}
 * redirects there;</li>
 * <li>{@code {path}/locks}: the data, as JSON.</li>
 * </ul>
 * It offers no way to release or break a lock. Every answer carries a
 * {@code Content-Security-Policy} under which the page loads nothing from another origin,
 * runs no inline script and cannot be framed; the page itself refers to nothing outside
 * this path.
 *
 * @since 0.1.0
 */
public final class DlockPage implements RouterFunction<ServerResponse> {

	/**
	 * The policy of every answer: the page's own script, style sheet and data, nothing
	 * else.
	 */
	static final String CONTENT_SECURITY_POLICY = "default-src 'none'; script-src 'self'; style-src 'self'; "
			+ "connect-src 'self'; img-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

	private static final String RESOURCES = "dev/dlock/spring/page/";

	private static final MediaType JAVASCRIPT = new MediaType("text", "javascript", StandardCharsets.UTF_8);

	private static final MediaType CSS = new MediaType("text", "css", StandardCharsets.UTF_8);

	private final DlockEndpoint endpoint;

	private final RouterFunction<ServerResponse> routes;

	/**
	 * Creates the page.
	 * @param endpoint the endpoint whose data the page shows
	 * @param path the path of the page, such as {@code /dlock}: starts with {@code /},
	 * does not end with one
	 */
	public DlockPage(DlockEndpoint endpoint, String path) {
		this.endpoint = Objects.requireNonNull(endpoint, "'endpoint' must not be null");
		Objects.requireNonNull(path, "'path' must not be null");
		if (!path.matches("(/[A-Za-z0-9_~-][A-Za-z0-9._~-]*)+")) {
			throw new IllegalArgumentException("'path' must be one or more segments, each '/' and letters, digits "
					+ "or -._~ not starting with '.' (was '" + path + "')");
		}
		// relative, so that it holds under any servlet context path
		URI page = URI.create(path.substring(path.lastIndexOf('/') + 1) + "/");
		this.routes = RouterFunctions.route()
			.GET(path, (request) -> secured(ServerResponse.status(HttpStatus.SEE_OTHER)).location(page).build())
			.GET(path + "/", resource("index.html", MediaType.parseMediaType("text/html;charset=UTF-8")))
			.GET(path + "/page.js", resource("page.js", JAVASCRIPT))
			.GET(path + "/page.css", resource("page.css", CSS))
			.GET(path + "/locks", this::locks)
			.build();
	}

	@Override
	public Optional<HandlerFunction<ServerResponse>> route(ServerRequest request) {
		return this.routes.route(request);
	}

	@Override
	public void accept(RouterFunctions.Visitor visitor) {
		this.routes.accept(visitor);
	}

	/**
	 * The data the page shows: the endpoint's answer, durations in milliseconds.
	 * @return the locks of this instance
	 */
	Snapshot snapshot() {
		LocksDescriptor answer = this.endpoint.locks();
		return new Snapshot(answer.keysMasked(), answer.locks().stream().map(Snapshot.Lock::of).toList());
	}

	private ServerResponse locks(ServerRequest request) {
		return secured(ServerResponse.ok()).cacheControl(CacheControl.noStore())
			.contentType(MediaType.APPLICATION_JSON)
			.body(snapshot());
	}

	private static HandlerFunction<ServerResponse> resource(String name, MediaType type) {
		ClassPathResource resource = new ClassPathResource(RESOURCES + name, DlockPage.class.getClassLoader());
		return (request) -> secured(ServerResponse.ok()).cacheControl(CacheControl.noCache())
			.contentType(type)
			.body(resource);
	}

	private static ServerResponse.BodyBuilder secured(ServerResponse.BodyBuilder response) {
		return response.header("Content-Security-Policy", CONTENT_SECURITY_POLICY)
			.header("X-Content-Type-Options", "nosniff")
			.header("Referrer-Policy", "no-referrer")
			.header("X-Frame-Options", "DENY");
	}

	/**
	 * What the page polls.
	 *
	 * @param keysMasked whether the keys are masks
	 * @param locks the locks of this instance
	 */
	record Snapshot(boolean keysMasked, List<Lock> locks) {

		/**
		 * One lock, as {@link LockDescriptor} describes it, with durations in
		 * milliseconds.
		 *
		 * @param key the key or its mask
		 * @param mode the granted mode, or the requested one while waiting
		 * @param state {@code HELD}, {@code WAITING} or {@code LOST}
		 * @param fencingToken the token of a granted lock
		 * @param heldForMillis how long the lock is granted
		 * @param waitingForMillis how long the request waits
		 * @param leaseLeftMillis how long the lease lasts without renewal
		 * @param convertingTo the mode a pending conversion asks for
		 * @param blockedModes the modes that wait for a held lock with a blocking listener
		 */
		record Lock(String key, String mode, String state, @Nullable Long fencingToken, @Nullable Long heldForMillis,
				@Nullable Long waitingForMillis, long leaseLeftMillis, @Nullable String convertingTo,
				List<String> blockedModes) {

			static Lock of(LockDescriptor lock) {
				return new Lock(lock.key(), lock.mode(), lock.state(), lock.fencingToken(), millis(lock.heldFor()),
						millis(lock.waitingFor()), lock.leaseLeft().toMillis(), lock.convertingTo(), lock.blockedModes());
			}

			private static @Nullable Long millis(@Nullable Duration duration) {
				return (duration != null) ? duration.toMillis() : null;
			}

		}

	}

}
