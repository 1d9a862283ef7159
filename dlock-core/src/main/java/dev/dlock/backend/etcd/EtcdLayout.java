package dev.dlock.backend.etcd;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import dev.dlock.LockMode;
import dev.dlock.spi.AcquireRequest;
import dev.dlock.support.KeyCodec;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.KeyValue;

/**
 * Where entries live in etcd and what they hold.
 * <p>
 * A resource's queue is every key under {@code <prefix><encoded key>/}; an entry is
 * {@code <prefix><encoded key>/<entry name>} (see {@link EntrySlots}) with the value
 * {@code <mode>:<user key>}. The encoded key never contains {@code /}, so the trailing
 * separator keeps {@code foo} from matching {@code foobar}.
 * <p>
 * An entry whose enqueue had an unknown outcome is withdrawn with a mark,
 * {@code <prefix>.withdrawn/<encoded key>/<entry name>}, that the enqueue cannot be
 * applied past. An encoded key never starts with {@code .}, so no queue contains a mark.
 */
final class EtcdLayout {

	private static final char MODE_SEPARATOR = ':';

	private static final String WITHDRAWN = ".withdrawn/";

	private final String keyPrefix;

	EtcdLayout(String keyPrefix) {
		this.keyPrefix = keyPrefix;
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

	/** The key of the withdrawal mark of an entry of the lock {@code key}. */
	ByteSequence withdrawalMarkKey(String key, String entryName) {
		return bytes(this.keyPrefix + WITHDRAWN + KeyCodec.encode(key) + "/" + entryName);
	}

	/** The value of a request's entry: its mode, and the readable key for diagnostics. */
	ByteSequence entryValue(AcquireRequest request) {
		return bytes(request.mode().name() + MODE_SEPARATOR + request.key());
	}

	/**
	 * Reads the mode of an entry. A value this version cannot read is taken as
	 * {@link LockMode#EX}: it blocks every request but NL rather than letting a
	 * conflicting one through.
	 */
	static LockMode modeOf(ByteSequence value) {
		String text = value.toString(StandardCharsets.UTF_8);
		int end = text.indexOf(MODE_SEPARATOR);
		if (end < 0) {
			return LockMode.EX;
		}
		try {
			return LockMode.valueOf(text.substring(0, end));
		}
		catch (IllegalArgumentException ex) {
			return LockMode.EX;
		}
	}

	/**
	 * The queue as one snapshot showed it: the entries created before {@code ticket}, in
	 * ticket order, except those on their way out, and whether the entry with that ticket is
	 * still there.
	 */
	static Queue queue(List<KeyValue> sortedByCreateRevision, ByteSequence ownKey, long ticket,
			DepartingEntries departing) {
		List<Slot> earlier = new ArrayList<>();
		boolean present = false;
		for (KeyValue kv : sortedByCreateRevision) {
			if (kv.getCreateRevision() < ticket) {
				if (departing.contains(kv.getKey(), kv.getCreateRevision())) {
					continue;
				}
				earlier.add(new Slot(kv.getKey(), kv.getCreateRevision(), modeOf(kv.getValue())));
			}
			else if (kv.getCreateRevision() == ticket && kv.getKey().equals(ownKey)) {
				present = true;
			}
		}
		return new Queue(earlier, present);
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
	 * One earlier entry of a queue. A session reuses its entry keys, so only the key together
	 * with the create revision names one entry.
	 *
	 * @param key the entry's key
	 * @param ticket its create revision
	 * @param mode its mode
	 */
	record Slot(ByteSequence key, long ticket, LockMode mode) {

	}

	/** The earlier entries of a queue, and whether the own entry exists. */
	record Queue(List<Slot> earlier, boolean ownEntryPresent) {

	}

}
