package dev.dlock.backend.etcd;

import java.nio.charset.StandardCharsets;
import java.util.List;

import dev.dlock.spi.AcquireRequest;
import dev.dlock.support.KeyCodec;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.KeyValue;

/**
 * Where entries live in etcd and what they hold.
 * <p>
 * A resource's queue is every key under {@code <prefix><encoded key>/}; an entry is
 * {@code <prefix><encoded key>/<entry name>} (see {@link EntrySlots}) whose value is an
 * {@link EntryState}. The encoded key never contains {@code /}, so the trailing
 * separator keeps {@code foo} from matching {@code foobar}.
 * <p>
 * An entry whose enqueue had an unknown outcome is withdrawn with a mark,
 * {@code <prefix>.withdrawn/<encoded key>/<entry name>}, that the enqueue cannot be
 * applied past. Every enqueue and every conversion also writes the resource's sequencer,
 * {@code <prefix>.sequence/<encoded key>}, and every release deletes it; a conversion
 * compares its mod revision to know that the queue it decided on is the queue it writes to,
 * up to writes that only weaken it (jetcd has no compare over a range; see
 * {@code EtcdLockSession#convert}). An encoded key never starts with {@code .}, so no queue contains a mark or a
 * sequencer.
 * <p>
 * A lock's value block is {@code <prefix>.value/<encoded key>}, and the writer marks of
 * its entries (see {@link ValueBlocks}) are {@code <prefix>.writers/<encoded key>/<entry
 * name>}: outside every queue for the same reason.
 */
final class EtcdLayout {

	private static final String WITHDRAWN = ".withdrawn/";

	private static final String SEQUENCER = ".sequence/";

	private static final String WRITERS = ".writers/";

	private static final String VALUE = ".value/";

	private final String keyPrefix;

	/** The key prefix as stored: an entry key's encoded lock key starts after it. */
	private final ByteSequence keyPrefixBytes;

	private final ByteSequence sequencerPrefix;

	EtcdLayout(String keyPrefix) {
		this.keyPrefix = keyPrefix;
		this.keyPrefixBytes = bytes(keyPrefix);
		this.sequencerPrefix = bytes(keyPrefix + SEQUENCER);
	}

	String keyPrefix() {
		return this.keyPrefix;
	}

	/** The prefix of every entry of the resource, ending with a separator. */
	ByteSequence resourcePrefix(String key) {
		return bytes(this.keyPrefix + KeyCodec.encode(key) + "/");
	}

	/** The key of an entry of the lock {@code key}. */
	ByteSequence entryKey(String key, String entryName) {
		return bytes(this.keyPrefix + KeyCodec.encode(key) + "/" + entryName);
	}

	/**
	 * The key of the withdrawal mark of an entry, from the entry's key:
	 * {@code <prefix>.withdrawn/<encoded key>/<entry name>}.
	 */
	ByteSequence withdrawalMarkOf(ByteSequence entryKey) {
		String entry = entryKey.toString(StandardCharsets.UTF_8);
		if (!entry.startsWith(this.keyPrefix)) {
			throw new IllegalArgumentException("Not an entry key of this layout: " + entry);
		}
		return bytes(this.keyPrefix + WITHDRAWN + entry.substring(this.keyPrefix.length()));
	}

	/**
	 * The key of the writer mark of an entry, from the entry's key:
	 * {@code <prefix>.writers/<encoded key>/<entry name>}.
	 */
	ByteSequence writerMarkOf(ByteSequence entryKey) {
		return bytes(this.keyPrefix + WRITERS + entryPath(entryKey));
	}

	/** The prefix of the writer marks of an entry's resource, ending with a separator. */
	ByteSequence writerMarksOf(ByteSequence entryKey) {
		String path = entryPath(entryKey);
		return bytes(this.keyPrefix + WRITERS + path.substring(0, path.lastIndexOf('/') + 1));
	}

	/** The key of the value block of an entry's resource: {@code <prefix>.value/<encoded key>}. */
	ByteSequence valueOf(ByteSequence entryKey) {
		String path = entryPath(entryKey);
		return bytes(this.keyPrefix + VALUE + path.substring(0, path.lastIndexOf('/')));
	}

	/** The key of the entry a writer mark ({@link #writerMarkOf}) names. */
	ByteSequence entryOfWriterMark(ByteSequence markKey) {
		String mark = markKey.toString(StandardCharsets.UTF_8);
		if (!mark.startsWith(this.keyPrefix + WRITERS)) {
			throw new IllegalArgumentException("Not a writer mark of this layout: " + mark);
		}
		return bytes(this.keyPrefix + mark.substring(this.keyPrefix.length() + WRITERS.length()));
	}

	/** An entry key without the key prefix: {@code <encoded key>/<entry name>}. */
	private String entryPath(ByteSequence entryKey) {
		String entry = entryKey.toString(StandardCharsets.UTF_8);
		if (!entry.startsWith(this.keyPrefix) || entry.indexOf('/', this.keyPrefix.length()) < 0) {
			throw new IllegalArgumentException("Not an entry key of this layout: " + entry);
		}
		return entry.substring(this.keyPrefix.length());
	}

	/**
	 * The prefix of a resource's entries and its sequencer's key (whose mod revision changes
	 * with every enqueue and conversion on the resource), the lock key encoded once.
	 */
	ResourceKeys resourceKeys(String key) {
		String encoded = KeyCodec.encode(key);
		return new ResourceKeys(bytes(this.keyPrefix + encoded + "/"), bytes(this.keyPrefix + SEQUENCER + encoded));
	}

	/**
	 * The resource keys of an entry, cut from its key ({@link #entryKey}): everything up to
	 * its last separator is the resource's prefix, and the encoded lock key in it names the
	 * sequencer. The same keys as {@link #resourceKeys} of its lock key, without encoding
	 * the lock key again; they share the entry key's bytes.
	 */
	ResourceKeys resourceKeysOf(ByteSequence entryKey) {
		byte[] bytes = entryKey.getBytes();
		int separator = bytes.length - 1;
		while (separator >= 0 && bytes[separator] != '/') {
			separator--;
		}
		int start = this.keyPrefixBytes.size();
		if (separator <= start || !entryKey.startsWith(this.keyPrefixBytes)) {
			throw new IllegalArgumentException("Not an entry key of this layout: " + entryKey);
		}
		return new ResourceKeys(entryKey.substring(0, separator + 1),
				this.sequencerPrefix.concat(entryKey.substring(start, separator)));
	}

	/** The value of a request's entry: its mode, and the readable key for diagnostics. */
	ByteSequence entryValue(AcquireRequest request) {
		return EntryState.plain(request.mode(), request.key()).toValue();
	}

	/** The create revision of {@code ownKey} in a snapshot, or 0 if it is not there. */
	static long ticketOf(List<KeyValue> kvs, ByteSequence ownKey) {
		for (KeyValue kv : kvs) {
			if (kv.getKey().equals(ownKey)) {
				return kv.getCreateRevision();
			}
		}
		return 0;
	}

	static ByteSequence bytes(String text) {
		return ByteSequence.from(text, StandardCharsets.UTF_8);
	}

	/**
	 * The keys of one resource that a conversion's transaction names.
	 *
	 * @param prefix the prefix of every entry of the resource ({@link #resourcePrefix})
	 * @param sequencer the resource's sequencer
	 */
	record ResourceKeys(ByteSequence prefix, ByteSequence sequencer) {
	}

}
