package dev.dlock.observation;

import io.micrometer.common.docs.KeyName;
import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationConvention;
import io.micrometer.observation.docs.ObservationDocumentation;

/**
 * The observations dlock makes. With Micrometer's default meter handler each becomes a
 * timer, and a long-task timer ({@code .active}) of the ones under way: locks waited for
 * and locks held.
 *
 * @since 0.1.0
 */
public enum LockObservationDocumentation implements ObservationDocumentation {

	/** From a request to its grant, rejection, timeout, cancellation or failure. */
	ACQUIRE {
		@Override
		public Class<? extends ObservationConvention<? extends Observation.Context>> getDefaultConvention() {
			return DefaultLockAcquisitionConvention.class;
		}

		@Override
		public KeyName[] getLowCardinalityKeyNames() {
			return new KeyName[] { LowCardinalityKeys.BACKEND, LowCardinalityKeys.MODE, LowCardinalityKeys.OUTCOME };
		}

		@Override
		public KeyName[] getHighCardinalityKeyNames() {
			return new KeyName[] { HighCardinalityKeys.KEY };
		}
	},

	/** From a grant to its release or loss. */
	HOLD {
		@Override
		public Class<? extends ObservationConvention<? extends Observation.Context>> getDefaultConvention() {
			return DefaultLockHoldConvention.class;
		}

		@Override
		public KeyName[] getLowCardinalityKeyNames() {
			return new KeyName[] { LowCardinalityKeys.BACKEND, LowCardinalityKeys.MODE, LowCardinalityKeys.OUTCOME };
		}

		@Override
		public KeyName[] getHighCardinalityKeyNames() {
			return new KeyName[] { HighCardinalityKeys.KEY, HighCardinalityKeys.FENCING_TOKEN };
		}

		@Override
		public Observation.Event[] getEvents() {
			return LockHoldEvents.values();
		}
	},

	/**
	 * A conversion of a held lock's mode, from the request to its outcome.
	 */
	CONVERT {
		@Override
		public Class<? extends ObservationConvention<? extends Observation.Context>> getDefaultConvention() {
			return DefaultLockConversionConvention.class;
		}

		@Override
		public KeyName[] getLowCardinalityKeyNames() {
			return new KeyName[] { LowCardinalityKeys.BACKEND, LowCardinalityKeys.FROM_MODE,
					LowCardinalityKeys.TO_MODE, LowCardinalityKeys.OUTCOME };
		}

		@Override
		public KeyName[] getHighCardinalityKeyNames() {
			return new KeyName[] { HighCardinalityKeys.KEY };
		}
	},

	/**
	 * One blocking notification: a holder told that a request or conversion in a
	 * conflicting mode waits for it (a count; its duration means nothing).
	 */
	BLOCKING {
		@Override
		public Class<? extends ObservationConvention<? extends Observation.Context>> getDefaultConvention() {
			return DefaultLockBlockingConvention.class;
		}

		@Override
		public KeyName[] getLowCardinalityKeyNames() {
			return new KeyName[] { LowCardinalityKeys.BACKEND, LowCardinalityKeys.MODE, LowCardinalityKeys.BLOCKED_MODE };
		}

		@Override
		public KeyName[] getHighCardinalityKeyNames() {
			return new KeyName[] { HighCardinalityKeys.KEY };
		}
	},

	/** One renewal round of a session. */
	RENEW {
		@Override
		public Class<? extends ObservationConvention<? extends Observation.Context>> getDefaultConvention() {
			return DefaultLockRenewalConvention.class;
		}

		@Override
		public KeyName[] getLowCardinalityKeyNames() {
			return new KeyName[] { LowCardinalityKeys.BACKEND, LowCardinalityKeys.OUTCOME };
		}

		@Override
		public KeyName[] getHighCardinalityKeyNames() {
			return new KeyName[] { HighCardinalityKeys.ENTRIES };
		}
	};

	/**
	 * Tags with few values, safe for metrics.
	 */
	public enum LowCardinalityKeys implements KeyName {

		/** The backend name: memory, redis, etcd or nats. */
		BACKEND {
			@Override
			public String asString() {
				return "dlock.backend";
			}
		},

		/** The lock mode. */
		MODE {
			@Override
			public String asString() {
				return "dlock.mode";
			}
		},

		/** How it ended. */
		OUTCOME {
			@Override
			public String asString() {
				return "dlock.outcome";
			}
		},

		/**
		 * The mode a conversion starts from.
		 */
		FROM_MODE {
			@Override
			public String asString() {
				return "dlock.from-mode";
			}
		},

		/**
		 * The mode a conversion asks for.
		 */
		TO_MODE {
			@Override
			public String asString() {
				return "dlock.to-mode";
			}
		},

		/** The mode of the request or conversion a blocking notification told of. */
		BLOCKED_MODE {
			@Override
			public String asString() {
				return "dlock.blocked-mode";
			}
		}

	}

	/**
	 * Values for traces only: never metric tags.
	 */
	public enum HighCardinalityKeys implements KeyName {

		/** The lock key. */
		KEY {
			@Override
			public String asString() {
				return "dlock.key";
			}
		},

		/** The fencing token. */
		FENCING_TOKEN {
			@Override
			public String asString() {
				return "dlock.fencing-token";
			}
		},

		/** How many entries a renewal round covered. */
		ENTRIES {
			@Override
			public String asString() {
				return "dlock.entries";
			}
		}

	}

}
