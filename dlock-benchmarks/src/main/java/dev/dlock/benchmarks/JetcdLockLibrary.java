package dev.dlock.benchmarks;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.lease.LeaseKeepAliveResponse;
import io.etcd.jetcd.lock.LockResponse;
import io.etcd.jetcd.support.CloseableClient;
import io.grpc.stub.StreamObserver;
import org.jspecify.annotations.Nullable;

/**
 * jetcd's {@code Lock} service (etcd's server-side lock over a lease); one jetcd client and
 * one lease, kept alive by jetcd, per client.
 *
 * @param endpoint the etcd endpoint
 * @param lease the lease's time to live
 */
record JetcdLockLibrary(String endpoint, Duration lease) implements LockLibrary {

	@Override
	public String server() {
		return "etcd";
	}

	@Override
	public String name() {
		return "jetcd Lock";
	}

	@Override
	public LockClient connect() throws Exception {
		Client client = Client.builder().endpoints(this.endpoint).build();
		long leaseId = client.getLeaseClient().grant(this.lease.toSeconds()).get().getID();
		CloseableClient keepAlive = client.getLeaseClient().keepAlive(leaseId, new Ignore());
		return new LockClient() {

			@Override
			public @Nullable Held lock(String key, Kind kind, Duration wait) throws Exception {
				CompletableFuture<LockResponse> response = client.getLockClient()
					.lock(Floors.bytes("bench/jetcd/" + key), leaseId);
				ByteSequence owned;
				try {
					owned = response.get(wait.toNanos(), TimeUnit.NANOSECONDS).getKey();
				}
				catch (TimeoutException ex) {
					response.cancel(true);
					return null;
				}
				return () -> client.getLockClient().unlock(owned).get();
			}

			@Override
			public void close() throws Exception {
				keepAlive.close();
				client.getLeaseClient().revoke(leaseId).get(5, TimeUnit.SECONDS);
				client.close();
			}

		};
	}

	private static final class Ignore implements StreamObserver<LeaseKeepAliveResponse> {

		@Override
		public void onNext(LeaseKeepAliveResponse value) {
		}

		@Override
		public void onError(Throwable error) {
		}

		@Override
		public void onCompleted() {
		}

	}

}
