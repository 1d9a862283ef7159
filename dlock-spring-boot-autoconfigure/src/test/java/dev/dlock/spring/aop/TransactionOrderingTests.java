package dev.dlock.spring.aop;

import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;

import javax.sql.DataSource;

import dev.dlock.LockHandle;
import dev.dlock.annotation.DistributedLock;
import dev.dlock.autoconfigure.DlockAopAutoConfiguration;
import dev.dlock.autoconfigure.DlockAutoConfiguration;
import org.junit.jupiter.api.Test;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.jdbc.datasource.embedded.EmbeddedDatabase;
import org.springframework.jdbc.datasource.embedded.EmbeddedDatabaseBuilder;
import org.springframework.jdbc.datasource.embedded.EmbeddedDatabaseType;
import org.springframework.transaction.TransactionDefinition;
import org.springframework.transaction.annotation.EnableTransactionManagement;
import org.springframework.transaction.annotation.Transactional;
import org.springframework.transaction.support.DefaultTransactionStatus;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;

/**
 * By default the lock wraps {@code @Transactional}: it is acquired before the transaction
 * begins and released after the commit or rollback, so the next holder sees committed
 * data. Checked with a real transaction manager on an embedded H2 database.
 */
class TransactionOrderingTests {

	private final ApplicationContextRunner runner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(DlockAutoConfiguration.class, DlockAopAutoConfiguration.class))
		.withPropertyValues("dlock.backend=memory")
		.withUserConfiguration(DatabaseConfiguration.class);

	@Test
	void lockIsHeldFromBeforeTheTransactionBeginsUntilAfterItCommits() {
		this.runner.withUserConfiguration(DefaultTransactionOrder.class).run((context) -> {
			String key = UUID.randomUUID().toString();
			context.getBean(Inventory.class).reserve(key);
			assertThat(context.getBean(RecordingTransactionManager.class).events())
				.containsExactly("begin, lock held", "commit, lock held", "cleanup, lock held");
			assertThat(context.getBean(JdbcTemplate.class)
				.queryForObject("select count(*) from reservation where id = ?", Integer.class, key)).isOne();
			assertThat(DistributedLocks.currentHandle()).isEmpty();
		});
	}

	@Test
	void lockIsHeldUntilAfterTheTransactionRolledBack() {
		this.runner.withUserConfiguration(DefaultTransactionOrder.class).run((context) -> {
			String key = UUID.randomUUID().toString();
			assertThatIllegalStateException().isThrownBy(() -> context.getBean(Inventory.class).reserveAndFail(key));
			assertThat(context.getBean(RecordingTransactionManager.class).events())
				.containsExactly("begin, lock held", "rollback, lock held", "cleanup, lock held");
		});
	}

	@Test
	void transactionAdvisorOrderedFirstRunsOutsideTheLock() {
		this.runner.withUserConfiguration(TransactionFirst.class).run((context) -> {
			context.getBean(Inventory.class).reserve(UUID.randomUUID().toString());
			assertThat(context.getBean(RecordingTransactionManager.class).events())
				.containsExactly("begin, no lock", "commit, no lock", "cleanup, no lock");
		});
	}

	@Test
	void lockOrderPropertyPutsTheLockOutsideAgain() {
		this.runner.withUserConfiguration(TransactionFirst.class)
			.withPropertyValues("dlock.aop.order=-1")
			.run((context) -> {
				context.getBean(Inventory.class).reserve(UUID.randomUUID().toString());
				assertThat(context.getBean(RecordingTransactionManager.class).events())
					.containsExactly("begin, lock held", "commit, lock held", "cleanup, lock held");
			});
	}

	@Configuration(proxyBeanMethods = false)
	static class DatabaseConfiguration {

		@Bean(destroyMethod = "shutdown")
		EmbeddedDatabase dataSource() {
			return new EmbeddedDatabaseBuilder().setType(EmbeddedDatabaseType.H2).generateUniqueName(true).build();
		}

		@Bean
		JdbcTemplate jdbcTemplate(DataSource dataSource) {
			JdbcTemplate jdbcTemplate = new JdbcTemplate(dataSource);
			jdbcTemplate.execute("create table reservation (id varchar(64) primary key)");
			return jdbcTemplate;
		}

		@Bean
		RecordingTransactionManager transactionManager(DataSource dataSource) {
			return new RecordingTransactionManager(dataSource);
		}

		@Bean
		Inventory inventory(JdbcTemplate jdbcTemplate) {
			return new Inventory(jdbcTemplate);
		}

	}

	@Configuration(proxyBeanMethods = false)
	@EnableTransactionManagement
	static class DefaultTransactionOrder {

	}

	@Configuration(proxyBeanMethods = false)
	@EnableTransactionManagement(order = 0)
	static class TransactionFirst {

	}

	static class Inventory {

		private final JdbcTemplate jdbcTemplate;

		Inventory(JdbcTemplate jdbcTemplate) {
			this.jdbcTemplate = jdbcTemplate;
		}

		@Transactional
		@DistributedLock(key = "stock:#{#key}", waitTime = "0s")
		public void reserve(String key) {
			this.jdbcTemplate.update("insert into reservation (id) values (?)", key);
		}

		@Transactional
		@DistributedLock(key = "stock:#{#key}", waitTime = "0s")
		public void reserveAndFail(String key) {
			this.jdbcTemplate.update("insert into reservation (id) values (?)", key);
			throw new IllegalStateException("out of stock");
		}

	}

	/**
	 * Records, at each step of a transaction, whether the thread runs under a valid lock.
	 */
	static class RecordingTransactionManager extends DataSourceTransactionManager {

		private final List<String> events = new CopyOnWriteArrayList<>();

		RecordingTransactionManager(DataSource dataSource) {
			super(dataSource);
		}

		List<String> events() {
			return this.events;
		}

		@Override
		protected void doBegin(Object transaction, TransactionDefinition definition) {
			record("begin");
			super.doBegin(transaction, definition);
		}

		@Override
		protected void doCommit(DefaultTransactionStatus status) {
			super.doCommit(status);
			record("commit");
		}

		@Override
		protected void doRollback(DefaultTransactionStatus status) {
			super.doRollback(status);
			record("rollback");
		}

		@Override
		protected void doCleanupAfterCompletion(Object transaction) {
			super.doCleanupAfterCompletion(transaction);
			record("cleanup");
		}

		private void record(String step) {
			boolean locked = DistributedLocks.currentHandle().filter(LockHandle::isValid).isPresent();
			this.events.add(step + (locked ? ", lock held" : ", no lock"));
		}

	}

}
