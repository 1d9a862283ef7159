package dev.dlock.backend.nats;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

import io.nats.client.Connection;
import io.nats.client.JetStream;
import io.nats.client.api.PublishAck;

import static dev.dlock.backend.Delegation.call;
import static dev.dlock.backend.Delegation.proxy;

/**
 * A connection that can hold back the reply to one JetStream publish, as a reply still on
 * its way when the connection closes: the caller's future stays pending until the test
 * fails it, on a thread of the test's choosing. It can also hold back one publish itself,
 * as a write still on its way to the server: it is sent when the test lets it go.
 * Everything else goes straight to the real connection. It records the thread and the
 * subject of every request sent on the connection (the JetStream API calls).
 */
final class HoldingConnection {

	private final Connection real;

	/** How many publishes go through before the one whose reply is held; -1 when none is to be held. */
	private final AtomicInteger passing = new AtomicInteger(-1);

	private final CompletableFuture<PublishAck> held = new CompletableFuture<>();

	private final List<CompletableFuture<PublishAck>> published = new CopyOnWriteArrayList<>();

	private final List<String> requestThreads = new CopyOnWriteArrayList<>();

	private final List<String> requestSubjects = new CopyOnWriteArrayList<>();

	/** How many publishes go through before the one that is held back; -1 when none is to be. */
	private final AtomicInteger passingSends = new AtomicInteger(-1);

	private final AtomicInteger sends = new AtomicInteger();

	private final CompletableFuture<Void> sendReleased = new CompletableFuture<>();

	private final CompletableFuture<Void> sendHeld = new CompletableFuture<>();

	HoldingConnection(Connection real) {
		this.real = real;
	}

	/** The connection to hand to the backend. */
	Connection connection() {
		return proxy(Connection.class, (self, method, args) -> {
			if (method.getName().equals("jetStream") && (args == null || args.length == 0)) {
				return jetStream(this.real.jetStream());
			}
			if (method.getName().equals("request")) {
				this.requestThreads.add(Thread.currentThread().getName());
				if (args != null && args.length > 0 && args[0] instanceof String subject) {
					this.requestSubjects.add(subject);
				}
			}
			return call(method, this.real, args);
		});
	}

	/** Lets {@code count} publishes through, and holds back the reply to the one after them. */
	void holdReplyAfter(int count) {
		this.passing.set(count);
	}

	/**
	 * Lets {@code count} publishes through and holds back the one after them until
	 * {@link #releaseHeldSend()}: the server sees it only then.
	 */
	void holdSendAfter(int count) {
		this.sends.set(0);
		this.passingSends.set(count);
	}

	/** Whether a publish is held back. */
	boolean isHoldingSend() {
		return this.sendHeld.isDone();
	}

	/** Sends the publish that was held back. */
	void releaseHeldSend() {
		this.sendReleased.complete(null);
	}

	/** The real replies of the publishes sent since the hold was set, the held one included. */
	List<CompletableFuture<PublishAck>> published() {
		return this.published;
	}

	/** Whether a reply is held. */
	boolean isHolding() {
		return this.published.size() > this.passing.get() && this.passing.get() >= 0;
	}

	/** Fails the held reply, as jnats does with the pending ones when the connection closes. */
	void failHeldReply(Throwable failure) {
		this.held.completeExceptionally(failure);
	}

	/** The subjects of the requests sent on the connection. */
	List<String> requestSubjects() {
		return this.requestSubjects;
	}

	/** The names of the threads that sent requests on the connection. */
	List<String> requestThreads() {
		return this.requestThreads;
	}

	private JetStream jetStream(JetStream jetStream) {
		return proxy(JetStream.class, (self, method, args) -> {
			if (method.getName().equals("publishAsync") && this.passingSends.get() >= 0
					&& this.sends.getAndIncrement() == this.passingSends.get()) {
				this.sendHeld.complete(null);
				return this.sendReleased.thenCompose((released) -> {
					try {
						@SuppressWarnings("unchecked")
						CompletableFuture<PublishAck> sent = (CompletableFuture<PublishAck>) call(method, jetStream, args);
						return sent;
					}
					catch (Throwable ex) {
						return CompletableFuture.<PublishAck>failedFuture(ex);
					}
				});
			}
			Object result = call(method, jetStream, args);
			if (!method.getName().equals("publishAsync") || this.passing.get() < 0) {
				return result;
			}
			@SuppressWarnings("unchecked")
			CompletableFuture<PublishAck> reply = (CompletableFuture<PublishAck>) result;
			int index = this.published.size();
			this.published.add(reply);
			return (index == this.passing.get()) ? this.held : reply;
		});
	}

}
