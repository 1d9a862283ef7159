"use strict";
// The live locks page: polls the locks of this instance and shows them by key.
// Builds the page with textContent only, so that a key (shown when masking is off) is never read as markup.
(function () {
	const POLL_MILLIS = 500;
	const STATE_ORDER = { HELD: 0, LOST: 1, WAITING: 2 };
	const keysElement = document.getElementById("keys");
	const statusElement = document.getElementById("status");
	const emptyElement = document.getElementById("empty");

	function element(tag, className, text) {
		const result = document.createElement(tag);
		if (className) {
			result.className = className;
		}
		if (text !== undefined && text !== null) {
			result.textContent = String(text);
		}
		return result;
	}

	function seconds(millis) {
		return (millis === null || millis === undefined) ? "" : (millis / 1000).toFixed(1) + " s";
	}

	function byStateThenToken(left, right) {
		return (STATE_ORDER[left.state] - STATE_ORDER[right.state]) ||
			((left.fencingToken ?? Number.MAX_SAFE_INTEGER) - (right.fencingToken ?? Number.MAX_SAFE_INTEGER)) ||
			((right.waitingForMillis ?? 0) - (left.waitingForMillis ?? 0));
	}

	// "held: PR ×2 · waiting: EX ×1": the holders and the waiters of one key, by mode
	function summary(locks) {
		const parts = [];
		for (const state of ["HELD", "WAITING", "LOST"]) {
			const counts = new Map();
			for (const lock of locks.filter((each) => each.state === state)) {
				counts.set(lock.mode, (counts.get(lock.mode) ?? 0) + 1);
			}
			if (counts.size > 0) {
				const modes = [...counts].map(([mode, count]) => mode + " ×" + count).join(", ");
				parts.push(state.toLowerCase() + ": " + modes);
			}
		}
		return parts.join(" · ");
	}

	function row(lock) {
		const tr = element("tr", "lock " + lock.state.toLowerCase());
		tr.dataset.state = lock.state;
		tr.dataset.mode = lock.mode;
		if (lock.fencingToken !== null) {
			tr.dataset.token = String(lock.fencingToken);
		}
		const converting = (lock.convertingTo === null) ? lock.mode : lock.mode + " → " + lock.convertingTo;
		const mode = (lock.blockedModes.length === 0) ? converting
			: converting + " (blocks " + lock.blockedModes.join(", ") + ")";
		const cells = [lock.state.toLowerCase(), mode, lock.fencingToken ?? "", seconds(lock.heldForMillis),
			seconds(lock.waitingForMillis), seconds(lock.leaseLeftMillis)];
		const names = ["state", "mode", "token", "held-for", "waiting-for", "lease-left"];
		cells.forEach((cell, index) => tr.append(element("td", names[index], cell)));
		return tr;
	}

	function table(locks) {
		const result = element("table");
		const head = element("tr");
		for (const title of ["State", "Mode", "Fencing token", "Held for", "Waiting for", "Lease left"]) {
			head.append(element("th", null, title));
		}
		result.append(element("thead"), element("tbody"));
		result.tHead.append(head);
		result.tBodies[0].append(...locks.slice().sort(byStateThenToken).map(row));
		return result;
	}

	function section(key, locks) {
		const result = element("section", "key");
		result.dataset.key = key;
		const title = element("h2");
		title.append(element("code", null, key));
		result.append(title, element("p", "summary", summary(locks)), table(locks));
		return result;
	}

	function render(snapshot) {
		const byKey = new Map();
		for (const lock of snapshot.locks) {
			if (!byKey.has(lock.key)) {
				byKey.set(lock.key, []);
			}
			byKey.get(lock.key).push(lock);
		}
		const keys = [...byKey.keys()].sort();
		keysElement.replaceChildren(...keys.map((key) => section(key, byKey.get(key))));
		emptyElement.hidden = keys.length > 0;
		statusElement.textContent = snapshot.locks.length + " lock(s) on " + keys.length + " key(s) · keys " +
			(snapshot.keysMasked ? "masked" : "shown") + " · updated " + new Date().toLocaleTimeString();
		document.body.classList.remove("stale");
	}

	async function poll() {
		try {
			const response = await fetch("locks", {
				cache: "no-store",
				credentials: "same-origin",
				headers: { Accept: "application/json" }
			});
			if (!response.ok) {
				throw new Error("HTTP " + response.status);
			}
			render(await response.json());
		}
		catch (error) {
			statusElement.textContent = "Cannot read the locks (" + error.message + "); trying again";
			document.body.classList.add("stale");
		}
		finally {
			setTimeout(poll, POLL_MILLIS);
		}
	}

	poll();
})();
