package dev.dlock.backend.redis;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;

/**
 * One operation's Lua script: the shared prelude followed by the operation's body, read
 * from the class path once, with its SHA-1 digest for {@code EVALSHA}. A script may start
 * with a lead part that runs before the prelude: the common case of an operation, answered
 * without the prelude's functions, whose definitions cost server time on every call.
 */
final class LuaScript {

	private static final String PRELUDE = read("common.lua");

	/**
	 * Records a request and decides its grant; a request on a short queue without
	 * conversions is decided before the prelude.
	 */
	static final LuaScript ENQUEUE = load("enqueue-short", "enqueue");

	/** Tells whether a waiting entry is granted now. */
	static final LuaScript POLL = load("poll");

	/** Extends the leases of a session's entries. */
	static final LuaScript RENEW = load("renew");

	/** Removes an owner's entry and wakes the entries it blocked. */
	static final LuaScript REMOVE = load("remove");

	/**
	 * Converts a granted entry's mode, or records the conversion to wait; the conversion of
	 * a lock's only entry is granted before the prelude.
	 */
	static final LuaScript CONVERT = load("convert-alone", "convert");

	/** Withdraws or undoes an entry's conversion. */
	static final LuaScript CANCEL = load("cancel");

	/** Reads a lock's live entries as the grant rules see them; writes nothing. */
	static final LuaScript QUEUE = load("queue");

	/** Marks granted entries as watching their lock's queue, for a lease. */
	static final LuaScript WATCH = load("watch");

	/** Ends an entry's mark. */
	static final LuaScript UNWATCH = load("unwatch");

	/** Reads a lock's value block for a live entry, marking it invalid after a lost writer. */
	static final LuaScript READ_VALUE = load("read-value");

	/** Writes a lock's value block for the live entry marked as its writer. */
	static final LuaScript WRITE_VALUE = load("write-value");

	/** Every script, for preloading. */
	static final List<LuaScript> ALL = List.of(ENQUEUE, POLL, RENEW, REMOVE, CONVERT, CANCEL, QUEUE, WATCH, UNWATCH,
			READ_VALUE, WRITE_VALUE);

	private final String name;

	private final String source;

	private final String sha;

	private LuaScript(String name, String source) {
		this.name = name;
		this.source = source;
		this.sha = sha1(source);
	}

	/**
	 * Loads {@code <name>.lua} from this package's resources.
	 * @param name the operation
	 * @return the script
	 */
	private static LuaScript load(String name) {
		return new LuaScript(name, PRELUDE + read(name + ".lua"));
	}

	/**
	 * Loads {@code <lead>.lua}, the prelude and {@code <name>.lua} as one script; the lead
	 * part uses nothing of the prelude and either returns or falls through having written
	 * nothing.
	 * @param lead the lead part
	 * @param name the operation
	 * @return the script
	 */
	private static LuaScript load(String lead, String name) {
		return new LuaScript(name, read(lead + ".lua") + PRELUDE + read(name + ".lua"));
	}

	String name() {
		return this.name;
	}

	String source() {
		return this.source;
	}

	String sha() {
		return this.sha;
	}

	private static String read(String resource) {
		try (InputStream in = LuaScript.class.getResourceAsStream(resource)) {
			if (in == null) {
				throw new IllegalStateException("Missing Lua script " + resource + " next to " + LuaScript.class);
			}
			return new String(in.readAllBytes(), StandardCharsets.UTF_8);
		}
		catch (IOException ex) {
			throw new UncheckedIOException("Cannot read Lua script " + resource, ex);
		}
	}

	private static String sha1(String source) {
		try {
			byte[] digest = MessageDigest.getInstance("SHA-1").digest(source.getBytes(StandardCharsets.UTF_8));
			return HexFormat.of().formatHex(digest);
		}
		catch (NoSuchAlgorithmException ex) {
			throw new IllegalStateException("SHA-1 is not available", ex);
		}
	}

}
