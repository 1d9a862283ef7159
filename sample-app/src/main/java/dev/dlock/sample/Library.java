package dev.dlock.sample;

import java.util.concurrent.atomic.AtomicInteger;

import dev.dlock.LockMode;
import dev.dlock.annotation.DistributedLock;

import org.springframework.stereotype.Service;

/**
 * One shared resource, a page of text, with readers and writers: any number of readers
 * (PR) at once, or one writer (PW) alongside no other writer or reader but concurrent
 * readers (CR), or an exclusive rewrite (EX) that admits nobody.
 */
@Service
public class Library {

	static final String KEY = "library:page";

	private volatile String page = "";

	private final AtomicInteger edits = new AtomicInteger();

	/**
	 * Reads the page; many readers can read at once.
	 * @return the page
	 */
	@DistributedLock(key = KEY, mode = LockMode.PR, waitTime = "5s")
	public String read() {
		return this.page;
	}

	/**
	 * Appends a line to the page; one writer at a time, and no protected reader meanwhile.
	 * @param line the line
	 * @return how many edits the page has had
	 */
	@DistributedLock(key = KEY, mode = LockMode.PW, waitTime = "5s")
	public int append(String line) {
		this.page = this.page.isEmpty() ? line : this.page + "\n" + line;
		return this.edits.incrementAndGet();
	}

	/**
	 * Replaces the page; nobody else may hold the lock in any mode but NL.
	 * @param text the new text
	 * @return how many edits the page has had
	 */
	@DistributedLock(key = KEY, mode = LockMode.EX, waitTime = "5s")
	public int rewrite(String text) {
		this.page = text;
		return this.edits.incrementAndGet();
	}

}
