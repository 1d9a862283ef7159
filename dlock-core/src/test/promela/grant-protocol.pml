/*
 * dlock grant protocol with lock conversion: a Promela model for spin.
 * docs/model-checking.md maps every variable and step to the Java code, and says what a run
 * covers. GrantProtocolModelTests (dlock-core tests) runs it.
 *
 * One process per handle: client c (0..NC-1) on resource r (0..NR-1) owns entry e = r*NC + c.
 * Each server operation is one d_step (atomic, as the Lua script, etcd transaction or NATS
 * compare-and-set that implements it). A crash stops both handles of a client; the server
 * removes the client's entries later (lease expiry), one step per entry.
 *
 * Compile-time switches (spin -D...):
 *   BUDGET=n         at most n acquires and conversions (waiting or try) start on each resource, so
 *                    that holders do not hold forever (the progress run); without it clients go on
 *                    forever
 *   ORIGINAL_FLAGS   the rule as first stated: only a granted conversion flags the waiting entries
 *                    (expected to break token order)
 *   NO_FRESH_FLAGS   no freshTokenOnGrant at all (expected to break token order)
 *   PAIRS_ONLY       deadlock refusal looks only for two-entry cycles (expected to miss a cycle)
 *   NO_REFUSAL       no deadlock refusal (expected to break acyclicity)
 *   NO_TIMER         a waiter polls only on a signal, and signals may be lost (expected to break
 *                    progress)
 *   ROW_xx, COV_xx   the mode tables, one bit per mode; the test passes them from LockMode
 */

#define NC 3
#ifndef NR
#define NR 2
#endif
#define NE (NC * NR)

/* modes, in LockMode order */
#define NL 0
#define CR 1
#define CW 2
#define PR 3
#define PW 4
#define EX 5
#define NONE 6

/* bit b of ROW_m: mode m is compatible with mode b (LockMode.isCompatibleWith) */
#ifndef ROW_NL
#define ROW_NL 63
#define ROW_CR 31
#define ROW_CW 7
#define ROW_PR 11
#define ROW_PW 3
#define ROW_EX 1
#endif
/* bit b of COV_m: mode m covers mode b (LockMode.covers) */
#ifndef COV_NL
#define COV_NL 1
#define COV_CR 3
#define COV_CW 7
#define COV_PR 11
#define COV_PW 31
#define COV_EX 63
#endif
hidden byte row[6];                     /* set once by init, never changed: not part of the state */
hidden byte cov[6];
#define COMPAT(a, b) ((row[a] >> (b)) & 1)
#define COVERS(a, b) ((cov[a] >> (b)) & 1)

/* entry states */
#define ABSENT 0
#define WAITING 1
#define GRANTED 2

/* server state, per entry */
byte st[NE];        /* ABSENT, WAITING (new request) or GRANTED */
byte md[NE];        /* requested mode while WAITING, granted mode while GRANTED */
byte cv[NE];        /* requested mode of a pending conversion, or NONE */
byte cq[NE];        /* position in the conversion queue (1 = head), 0 if none pending */
byte num[NE];       /* ticket while WAITING, fencing token while GRANTED */
bit fl[NE];         /* freshTokenOnGrant, while WAITING */
/* observer for token order (S2), while WAITING without the flag: a grant in a mode that conflicts
   with md[e] and with a token larger than the ticket num[e] has ended */
bit late[NE];
/* clients */
bit crashed[NC];
#ifdef SIGNALS
bit sig[NE];        /* a change signal on its way to the waiter of entry e (may be late or lost) */
#endif
#ifdef BUDGET
byte bud[NR];       /* acquires and conversions the clients may still start on resource r */
#endif

/* scratch for the atomic steps: not part of the state */
hidden byte i, j, k, o, p, ok, t, base, fresh;
hidden byte nv[NE];

#define ENTRY(r, c) ((r) * NC + (c))
#define RES(e) ((e) / NC)
#define CLI(e) ((e) % NC)
#define PENDING(e) (st[e] == GRANTED && cv[e] != NONE)
#define WAITS(e) (st[e] == WAITING || PENDING(e))
/* wait-for edge between pending conversions: x waits for y */
#define EDGE(x, y) ((x) != (y) && PENDING(x) && PENDING(y) && \
                    (!COMPAT(md[y], cv[x]) || (cq[y] < cq[x] && !COMPAT(cv[y], cv[x]))))

/* t = ++counter: a number larger than every ticket and token of resource r */
inline draw(r) {
	t = 0;
	k = 0;
	do
	:: k < NC -> if :: num[ENTRY(r, k)] > t -> t = num[ENTRY(r, k)] :: else fi; k++
	:: else -> break
	od;
	t++
}

/* a waiting request (e0 >= 0: the entry; e0 == NE: a new request) in mode m0 can be granted:
   compatible with every granted mode, every pending conversion and every earlier waiting request */
inline grantableNew(r, e0, m0) {
	ok = 1;
	k = 0;
	do
	:: k < NC ->
		o = ENTRY(r, k);
		if
		:: o != e0 && st[o] == GRANTED ->
			ok = ok && COMPAT(md[o], m0) && (cv[o] == NONE || COMPAT(cv[o], m0))
		:: o != e0 && st[o] == WAITING && (e0 == NE || num[o] < num[e0]) ->
			ok = ok && COMPAT(md[o], m0)
		:: else
		fi;
		k++
	:: else -> break
	od
}

/* an up-conversion of e0 to m0 (first == 1: asked now, at the tail of the conversion queue) can be
   granted: compatible with every other granted mode and every conversion ahead of it */
inline grantableConversion(r, e0, m0, first) {
	ok = 1;
	k = 0;
	do
	:: k < NC ->
		o = ENTRY(r, k);
		if
		:: o != e0 && st[o] == GRANTED ->
			ok = ok && COMPAT(md[o], m0) &&
				(cv[o] == NONE || !(first || cq[o] < cq[e0]) || COMPAT(cv[o], m0))
		:: else
		fi;
		k++
	:: else -> break
	od
}

/* the conversion of e0, pending, lies on a wait-for cycle (ok = 1); with longest == 2 only
   two-entry cycles count. NC == 3, so a cycle has two or three entries. */
inline onCycle(r, e0, longest) {
	ok = 0;
	j = 0;
	do
	:: j < NC ->
		o = ENTRY(r, j);
		if :: EDGE(e0, o) && EDGE(o, e0) -> ok = 1 :: else fi;
		k = 0;
		do
		:: k < NC && longest > 2 ->
			p = ENTRY(r, k);
			if :: o != p && EDGE(e0, o) && EDGE(o, p) && EDGE(p, e0) -> ok = 1 :: else fi;
			k++
		:: else -> break
		od;
		j++
	:: else -> break
	od
}

/* some pending conversion of resource r lies on a wait-for cycle (ok = 1) */
inline anyCycle(r) {
	i = 0;
	fresh = 0;
	do
	:: i < NC ->
		if
		:: PENDING(ENTRY(r, i)) -> onCycle(r, ENTRY(r, i), NC); fresh = fresh || ok
		:: else
		fi;
		i++
	:: else -> break
	od;
	ok = fresh
}

/* every waiting request gets freshTokenOnGrant */
inline flagWaiters(r) {
	k = 0;
	do
	:: k < NC -> if :: st[ENTRY(r, k)] == WAITING -> fl[ENTRY(r, k)] = 1 :: else fi; k++
	:: else -> break
	od
}

/* a change on resource r: a signal to every waiter but the one that made it */
inline signal(r, e0) {
#ifdef SIGNALS
	k = 0;
	do
	:: k < NC ->
		o = ENTRY(r, k);
		if :: o != e0 && WAITS(o) && !crashed[CLI(o)] -> sig[o] = 1 :: else fi;
		k++
	:: else -> break
	od
#else
	skip
#endif
}

/* e0 has just been granted mode md[e0]: no other grant conflicts with it (S1) */
inline checkGrant(r, e0) {
	k = 0;
	do
	:: k < NC ->
		o = ENTRY(r, k);
		if
		:: o != e0 && st[o] == GRANTED -> assert(COMPAT(md[o], md[e0]))   /* safety */
		:: else
		fi;
		k++
	:: else -> break
	od
}

/* the grant of mode m0 with token t0 ends: a waiting request without the flag whose mode conflicts
   and whose ticket is smaller must not be granted with its ticket as token (S2) */
inline endGrant(r, m0, t0) {
	k = 0;
	do
	:: k < NC ->
		o = ENTRY(r, k);
		if
		:: st[o] == WAITING && !fl[o] && num[o] < t0 && !COMPAT(m0, md[o]) -> late[o] = 1
		:: else
		fi;
		k++
	:: else -> break
	od
}

/* canonical form of resource r. The protocol only compares numbers, and a new one is always the
   largest, so only their order matters, and only where a comparison can still happen: between
   waiting tickets (queue order), and between a granted token and the ticket of a waiting request
   without the flag (when the grant ends, endGrant). Waiting tickets become 2, 4, 6 in order; a
   token becomes the ticket of the highest flagless waiting request below it, plus one, or 0 when
   there is none. Conversion positions become 1, 2, 3. Fields that no longer mean anything are
   cleared. Then checks that no wait-for cycle is left among pending conversions. */
inline canon(r) {
	base = ENTRY(r, 0);
	i = 0;
	do
	:: i < NC ->
		o = base + i;
		nv[o] = 0;
		j = 0;
		do
		:: j < NC ->
			p = base + j;
			if
			:: st[o] == WAITING && st[p] == WAITING && num[p] <= num[o] -> nv[o] = nv[o] + 2
			:: else
			fi;
			j++
		:: else -> break
		od;
		i++
	:: else -> break
	od;
	i = 0;
	do
	:: i < NC ->
		o = base + i;
		if
		:: st[o] == GRANTED ->
			j = 0;
			do
			:: j < NC ->
				p = base + j;
				if
				:: st[p] == WAITING && !fl[p] && num[p] < num[o] && nv[p] + 1 > nv[o] -> nv[o] = nv[p] + 1
				:: else
				fi;
				j++
			:: else -> break
			od
		:: else
		fi;
		i++
	:: else -> break
	od;
	i = 0;
	do
	:: i < NC ->
		o = base + i;
		j = 0;
		k = 0;
		do
		:: j < NC ->
			if :: PENDING(base + j) && cq[base + j] <= cq[o] -> k++ :: else fi;
			j++
		:: else -> break
		od;
		if :: PENDING(o) -> cq[o] = k :: else -> cq[o] = 0; cv[o] = NONE fi;
		i++
	:: else -> break
	od;
	i = 0;
	do
	:: i < NC ->
		o = base + i;
		num[o] = nv[o];
		if :: st[o] != WAITING -> fl[o] = 0 :: else fi;
		if :: st[o] != WAITING || fl[o] -> late[o] = 0 :: else fi;
		if :: st[o] == ABSENT -> md[o] = NL :: else fi;
#ifdef SIGNALS
		if :: !WAITS(o) || crashed[CLI(o)] -> sig[o] = 0 :: else fi;
#endif
		i++
	:: else -> break
	od;
	anyCycle(r);
	if :: ok -> printf("a wait-for cycle among pending conversions is left: deadlock\n") :: else fi;
	assert(!ok)                                                          /* no undetected deadlock */
}

/* a granted entry e0 gets mode m0 (a conversion, up or down) with a new token */
inline grantConversion(r, e0, m0) {
	k = 0;
	do                                 /* a conversion that waits for another is never granted */
	:: k < NC -> assert(!EDGE(e0, ENTRY(r, k))); k++
	:: else -> break
	od;
	printf(" GRANTED"); say(m0); printf(", new token\n");
	draw(r);
	p = md[e0];
	fresh = num[e0];
	md[e0] = m0;
	num[e0] = t;                                  /* a new number: larger than every token before */
	cv[e0] = NONE;
	checkGrant(r, e0);
	endGrant(r, p, fresh);
#ifndef NO_FRESH_FLAGS
	flagWaiters(r);
#endif
	signal(r, e0)
}

/* the trail in words (spin -t replays the printf calls; a verification run skips them) */
inline say(m0) {
	if
	:: m0 == NL -> printf(" NL")
	:: m0 == CR -> printf(" CR")
	:: m0 == CW -> printf(" CW")
	:: m0 == PR -> printf(" PR")
	:: m0 == PW -> printf(" PW")
	:: m0 == EX -> printf(" EX")
	fi
}
inline who(e0) {
	printf("client %d on resource %d:", CLI(e0), RES(e0))
}

/* enqueue(mode, waitIfBusy) */
inline enqueue(r, e0, m0, wait) {
	who(e0); printf(" enqueue"); say(m0);
	grantableNew(r, NE, m0);
	if
	:: ok ->
		printf(" -> GRANTED, token = ticket\n");
		draw(r); st[e0] = GRANTED; md[e0] = m0; num[e0] = t; checkGrant(r, e0); signal(r, e0)
	:: !ok && wait ->
		printf(" -> WAITING\n");
		draw(r); st[e0] = WAITING; md[e0] = m0; num[e0] = t; fl[e0] = 0; signal(r, e0)
	:: else -> printf(" (try) -> REJECTED\n")
	fi
}

/* poll(entry) of a waiting request or a pending conversion */
inline poll(r, e0) {
	if
	:: st[e0] == WAITING ->
		grantableNew(r, e0, md[e0]);
		if
		:: ok ->
			who(e0); printf(" poll -> GRANTED"); say(md[e0]);
			if
			:: fl[e0] ->
				printf(", flagged: new token\n");
				draw(r); num[e0] = t;
#if !defined(ORIGINAL_FLAGS) && !defined(NO_FRESH_FLAGS)
				flagWaiters(r)
#endif
			:: else ->
				printf(", token = ticket");
				if :: late[e0] -> printf(", but a conflicting grant with a larger token has ended") :: else fi;
				printf("\n");
				assert(!late[e0])                                /* token order: its ticket is the token */
			fi;
			st[e0] = GRANTED; fl[e0] = 0; checkGrant(r, e0); signal(r, e0)
		:: else
		fi
	:: PENDING(e0) ->
		grantableConversion(r, e0, cv[e0], 0);
		if :: ok -> who(e0); printf(" poll of the conversion ->"); grantConversion(r, e0, cv[e0]) :: else fi
	:: else                                                              /* GONE or no change */
	fi
}

/* convert(entry, newMode, waitIfBusy) of a granted entry without a pending conversion */
inline convert(r, e0, m0, wait) {
	who(e0); printf(" convert"); say(md[e0]); printf(" to"); say(m0); printf(" ->");
	if
	:: COVERS(md[e0], m0) -> grantConversion(r, e0, m0)                /* down-conversion */
	:: else ->
		grantableConversion(r, e0, m0, 1);
		if
		:: ok -> grantConversion(r, e0, m0)
		:: else ->
			if
			:: wait ->
				cv[e0] = m0;
				cq[e0] = 4;                                          /* the tail; canon renumbers */
#if defined(PAIRS_ONLY)
				onCycle(r, e0, 2);
#elif !defined(NO_REFUSAL)
				onCycle(r, e0, NC);
#else
				ok = 0;
#endif
				if
				:: ok -> cv[e0] = NONE; cq[e0] = 0; printf(" DEADLOCK\n")   /* nothing changes */
				:: else -> signal(r, e0); printf(" WAITING\n")
				fi
			:: else -> printf(" (try) REJECTED\n")
			fi
		fi
	fi
}

/* remove(entry): release, withdrawal of a waiting request, or lease expiry */
inline remove(r, e0) {
	who(e0);
	if
	:: crashed[CLI(e0)] -> printf(" lease expired")
	:: else -> printf(" remove")
	fi;
	if :: st[e0] == GRANTED -> say(md[e0]) :: else -> printf(" waiting request") fi;
	printf("\n");
	if :: st[e0] == GRANTED -> endGrant(r, md[e0], num[e0]) :: else fi;
	st[e0] = ABSENT;
	cv[e0] = NONE;
	signal(r, e0)
}

#ifdef BUDGET
#define MAY_START (bud[r] > 0)
#define STARTED bud[r]--
/* the request whose progress is checked (client 0 on resource 0) waits without a time limit and
   does not crash: weak fairness would otherwise force it to give up when a poll is not possible */
#define MAY_QUIT (e != 0)
#else
#define MAY_START true
#define STARTED skip
#define MAY_QUIT true
#endif
#ifdef NO_TIMER
#ifndef SIGNALS
#error NO_TIMER needs SIGNALS
#endif
#define TIMER false
#else
#define TIMER true
#endif

#define LIVE (!crashed[CLI(e)])
#define ACQUIRE(m) \
	:: d_step { LIVE && st[e] == ABSENT && MAY_START -> STARTED; enqueue(r, e, m, 1); canon(r) } \
	:: d_step { LIVE && st[e] == ABSENT && MAY_START -> STARTED; enqueue(r, e, m, 0); canon(r) }
#define CONVERT(m) \
	:: d_step { LIVE && st[e] == GRANTED && cv[e] == NONE && md[e] != m && MAY_START -> \
		STARTED; convert(r, e, m, 1); canon(r) } \
	:: d_step { LIVE && st[e] == GRANTED && cv[e] == NONE && md[e] != m && MAY_START -> \
		STARTED; convert(r, e, m, 0); canon(r) }

/* one handle: every option is one atomic step, its guard included */
proctype Handle(byte e) {
	byte r = RES(e);
end:	/* every handle may stop here at any time: idle, out of budget, or crashed and expired */
	do
	:: d_step { !LIVE && st[e] != ABSENT -> remove(r, e); canon(r) }   /* the lease expires */
	ACQUIRE(NL)
	ACQUIRE(CR)
	ACQUIRE(CW)
	ACQUIRE(PR)
	ACQUIRE(PW)
	ACQUIRE(EX)
	:: d_step { LIVE && WAITS(e) && TIMER -> poll(r, e); canon(r) }     /* re-check timer */
#ifdef SIGNALS
	:: d_step { LIVE && sig[e] -> sig[e] = 0; poll(r, e); canon(r) }    /* a signal arrives */
	:: d_step { LIVE && sig[e] -> sig[e] = 0 }                          /* a signal is lost */
#endif
	:: d_step { LIVE && MAY_QUIT && st[e] == WAITING -> remove(r, e); canon(r) }  /* timeout: withdraw */
	:: d_step { LIVE && MAY_QUIT && PENDING(e) ->                        /* cancelConversion */
		who(e); printf(" cancel conversion\n"); cv[e] = NONE; signal(r, e); canon(r) }
	CONVERT(NL)
	CONVERT(CR)
	CONVERT(CW)
	CONVERT(PR)
	CONVERT(PW)
	CONVERT(EX)
	:: d_step { LIVE && st[e] == GRANTED && (MAY_QUIT || !PENDING(e)) -> remove(r, e); canon(r) } /* release */
	:: d_step { LIVE && MAY_QUIT -> crashed[CLI(e)] = 1; printf("client %d crashes\n", CLI(e)) }
	od
}

init {
	atomic {
		row[NL] = ROW_NL; row[CR] = ROW_CR; row[CW] = ROW_CW; row[PR] = ROW_PR; row[PW] = ROW_PW; row[EX] = ROW_EX;
		cov[NL] = COV_NL; cov[CR] = COV_CR; cov[CW] = COV_CW; cov[PR] = COV_PR; cov[PW] = COV_PW; cov[EX] = COV_EX;
		i = 0;
		do
		:: i < NE ->
			cv[i] = NONE;
#ifdef BUDGET
			if :: i < NR -> bud[i] = BUDGET :: else fi;
#endif
			i++
		:: else -> break
		od;
		i = 0;
		do
		:: i < NE -> run Handle(i); i++
		:: else -> break
		od
	}
}

#ifdef BUDGET
/* progress: the request or conversion of client 0 on resource 0 does not wait forever (all
   clients and resources are alike, so this one stands for every one of them) */
ltl progress { [] ((st[0] == WAITING || (st[0] == GRANTED && cv[0] != NONE)) ->
                   <> !(st[0] == WAITING || (st[0] == GRANTED && cv[0] != NONE))) }
#endif
