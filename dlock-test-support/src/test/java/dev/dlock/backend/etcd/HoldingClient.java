package dev.dlock.backend.etcd;

import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;

import io.etcd.jetcd.Client;
import io.etcd.jetcd.KV;
import io.etcd.jetcd.Txn;
import io.etcd.jetcd.kv.TxnResponse;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;

import static dev.dlock.backend.Delegation.call;
import static dev.dlock.backend.Delegation.proxy;

/**
 * A client that can hold one transaction back, as a network that delivers a request late
 * and loses its reply: the caller's call stays unanswered until the test fails it, and
 * etcd gets the transaction only when the test sends it, whose reply goes to the test
 * alone. Everything else goes straight to the real client. It counts the key-value
 * requests the caller sends (transactions, reads, puts, deletes).
 */
final class HoldingClient {

	/** The methods of jetcd's {@code KV} that send a request (besides a transaction's commit). */
	private static final Set<String> REQUESTS = Set.of("get", "put", "delete", "compact");

	private final Client real;

	/** How many transactions go through before the one held back; -1 when none is to be held. */
	private final AtomicInteger passing = new AtomicInteger(-1);

	private final AtomicInteger requests = new AtomicInteger();

	private final CompletableFuture<Txn> held = new CompletableFuture<>();

	private final CompletableFuture<TxnResponse> unanswered = new CompletableFuture<>();

	HoldingClient(Client real) {
		this.real = real;
	}

	/** The client to hand to the backend. */
	Client client() {
		return proxy(Client.class, (self, method, args) -> method.getName().equals("getKVClient")
				? kv(this.real.getKVClient()) : call(method, this.real, args));
	}

	/** Holds back the next transaction committed through {@link #client()}. */
	void holdNextTransaction() {
		holdTransactionAfter(0);
	}

	/** Lets {@code count} transactions through, and holds back the one after them. */
	void holdTransactionAfter(int count) {
		this.passing.set(count);
	}

	/** How many key-value requests the caller sent so far, a held transaction included. */
	int requests() {
		return this.requests.get();
	}

	/** Whether a transaction is held. */
	boolean isHolding() {
		return this.held.isDone();
	}

	/** Fails the held transaction's call, the way a broken connection does. */
	void failHeldCall() {
		this.unanswered.completeExceptionally(
				new StatusRuntimeException(Status.UNAVAILABLE.withDescription("the connection broke (test)")));
	}

	/** Sends the held transaction to etcd now; its reply goes to the test only. */
	CompletableFuture<TxnResponse> sendHeldTransaction() {
		return this.held.join().commit();
	}

	/** Sends the held transaction to etcd now, and its reply to the caller: a slow network. */
	void deliverHeldTransaction() {
		sendHeldTransaction().whenComplete((response, failure) -> {
			if (failure != null) {
				this.unanswered.completeExceptionally(failure);
			}
			else {
				this.unanswered.complete(response);
			}
		});
	}

	private KV kv(KV kv) {
		return proxy(KV.class, (self, method, args) -> {
			if (method.getName().equals("txn")) {
				return transaction((Txn) call(method, kv, args));
			}
			if (REQUESTS.contains(method.getName())) {
				this.requests.incrementAndGet();
			}
			return call(method, kv, args);
		});
	}

	private Txn transaction(Txn txn) {
		return proxy(Txn.class, (self, method, args) -> {
			if (method.getDeclaringClass() != Txn.class) {
				return call(method, txn, args);
			}
			if (!method.getName().equals("commit")) {
				// If, Then and Else build the transaction and return it
				call(method, txn, args);
				return self;
			}
			this.requests.incrementAndGet();
			if (this.passing.getAndUpdate((left) -> (left >= 0) ? left - 1 : left) == 0) {
				this.held.complete(txn);
				return this.unanswered;
			}
			return txn.commit();
		});
	}

}
