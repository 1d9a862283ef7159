package dev.dlock.backend.redis;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;

import dev.dlock.LockBackendException;
import dev.dlock.support.AsyncFailures;
import io.lettuce.core.RedisFuture;
import io.lettuce.core.RedisNoScriptException;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the scripts by digest ({@code EVALSHA}), one round trip per call. When the server
 * does not know a script (after a restart, a failover or {@code SCRIPT FLUSH}) it sends the
 * source with {@code EVAL}, which also caches it again on that server.
 * <p>
 * Replies are mapped on the client's I/O thread; mappers must be quick and must not block.
 */
final class ScriptExecutor {

	private static final Logger logger = LoggerFactory.getLogger(ScriptExecutor.class);

	private final RedisClusterAsyncCommands<String, String> commands;

	ScriptExecutor(RedisClusterAsyncCommands<String, String> commands) {
		this.commands = commands;
	}

	/**
	 * Caches the scripts on the server ahead of their first use. Best effort: a script
	 * that is missing later is sent again.
	 * @param scripts the scripts
	 */
	void preload(List<LuaScript> scripts) {
		for (LuaScript script : scripts) {
			try {
				this.commands.scriptLoad(script.source())
					.whenComplete((sha, failure) -> {
						if (failure != null) {
							logger.debug("Preloading Lua script '{}' failed: {}", script.name(), failure.toString());
						}
					});
			}
			catch (RuntimeException ex) {
				logger.debug("Preloading Lua script '{}' failed: {}", script.name(), ex.toString());
			}
		}
	}

	/**
	 * Runs a script.
	 * @param <T> the raw reply type for {@code type}
	 * @param <R> the mapped result
	 * @param script the script
	 * @param type the reply type
	 * @param keys the keys (one hash slot)
	 * @param args the arguments
	 * @param lockKey the user key, for error messages only
	 * @param mapper maps the reply; runs on the I/O thread
	 * @return the mapped result, or a failure with {@link LockBackendException}
	 */
	<T, R> CompletableFuture<R> run(LuaScript script, ScriptOutputType type, String[] keys, String[] args,
			String lockKey, Function<T, R> mapper) {
		CompletableFuture<R> result = new CompletableFuture<>();
		RedisFuture<T> first;
		try {
			first = this.commands.evalsha(script.sha(), type, keys, args);
		}
		catch (RuntimeException ex) {
			fail(result, ex, script, lockKey);
			return result;
		}
		first.whenComplete((reply, failure) -> {
			if (failure == null) {
				complete(result, reply, mapper, script, lockKey);
			}
			else if (isNoScript(failure)) {
				logger.debug("Redis lost Lua script '{}'; sending it again", script.name());
				evalSource(script, type, keys, args, lockKey, mapper, result);
			}
			else {
				fail(result, failure, script, lockKey);
			}
		});
		return result;
	}

	private <T, R> void evalSource(LuaScript script, ScriptOutputType type, String[] keys, String[] args,
			String lockKey, Function<T, R> mapper, CompletableFuture<R> result) {
		RedisFuture<T> retry;
		try {
			retry = this.commands.eval(script.source(), type, keys, args);
		}
		catch (RuntimeException ex) {
			fail(result, ex, script, lockKey);
			return;
		}
		retry.whenComplete((reply, failure) -> {
			if (failure == null) {
				complete(result, reply, mapper, script, lockKey);
			}
			else {
				fail(result, failure, script, lockKey);
			}
		});
	}

	private static <T, R> void complete(CompletableFuture<R> result, @Nullable T reply, Function<T, R> mapper,
			LuaScript script, String lockKey) {
		try {
			if (reply == null) {
				throw new IllegalStateException("no reply");
			}
			result.complete(mapper.apply(reply));
		}
		catch (RuntimeException ex) {
			fail(result, ex, script, lockKey);
		}
	}

	private static void fail(CompletableFuture<?> result, Throwable failure, LuaScript script, String lockKey) {
		// the message is built only on failure, to keep the hot path free of it
		result.completeExceptionally(toLockException(failure, "Redis " + script.name() + " of lock '" + lockKey + "'"));
	}

	static LockBackendException toLockException(Throwable failure, String action) {
		Throwable cause = AsyncFailures.unwrap(failure);
		if (cause instanceof LockBackendException lockException) {
			return lockException;
		}
		return new LockBackendException(action + " failed: " + cause, cause);
	}

	private static boolean isNoScript(Throwable failure) {
		Throwable cause = AsyncFailures.unwrap(failure);
		return cause instanceof RedisNoScriptException
				|| (cause.getMessage() != null && cause.getMessage().startsWith("NOSCRIPT"));
	}

}
