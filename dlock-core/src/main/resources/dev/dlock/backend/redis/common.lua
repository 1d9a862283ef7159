-- dlock: shared prelude, prepended to every operation script at load time (one script per operation; convert
-- has a lead part, convert-alone.lua, before it).
--
-- A resource (lock) has up to three keys that share one hash tag, so a script touches a single cluster slot:
--   q  <prefix>{<encoded key>}:q   ZSET  member = '<mode>:<owner id>', score = ticket
--   x  <prefix>{<encoded key>}:x   ZSET  member = the same, score = lease expiry (server ms, rounded up)
--   c  <prefix>{<encoded key>}:c   HASH  conversions (see below); exists only once a conversion was granted or
--                                        waits on the queue
--   w  <prefix>{<encoded key>}:w   SET   tickets of granted entries whose holders watch the queue (watch.lua);
--                                        exists only while one does
--   v  <prefix>{<encoded key>}:v   HASH  the value block and the writer mark (see 'Value blocks' below); exists
--                                        once a value was written or an entry was granted in PW or EX
-- Scripts for one resource get them as KEYS[1] to KEYS[5]; renew gets quadruples of q, x, c and v.
-- Modes are the first two characters of a member. The grant rule gets the requested mode's conflict
-- set as an argument ('CR,CW,...', derived from LockMode); the compatibility matrix is not in Lua.
-- Every decision uses the server clock (TIME); clients never send timestamps. Both keys expire with
-- the latest live lease, and a ZSET disappears with its last member, so nothing is left behind.

local function fmt(n)
	return string.format('%.0f', n)
end

-- server time: the current millisecond (for sweeping) and microseconds (for tickets and expiries)
local function clock()
	local t = redis.call('TIME')
	local sec, usec = tonumber(t[1]), tonumber(t[2])
	return sec * 1000 + math.floor(usec / 1000), sec * 1000000 + usec
end

-- the expiry of a lease that starts now, in server ms rounded up: the client counts the lease from
-- before its call was sent, so the server must not end it earlier, not even by a fraction of a ms
-- (the sum stays far below 2^53, so it is an exact integer, and a quotient that is not whole is never
-- rounded to a whole number)
local function expiryAfter(nowUs, leaseUs)
	return math.ceil((nowUs + leaseUs) / 1000)
end

-- removes the entries whose lease ran out, that is whose expiry lies before the current millisecond
-- (an entry stays through the millisecond it expires in, like a key with PEXPIREAT); appends their
-- tickets to removed; their conversion records go with them
local function sweep(q, x, c, nowMs, removed)
	local before = '(' .. fmt(nowMs)
	local expired = redis.call('ZRANGEBYSCORE', x, '-inf', before)
	if #expired == 0 then
		return
	end
	for _, member in ipairs(expired) do
		local ticket = redis.call('ZSCORE', q, member)
		if ticket then
			removed[#removed + 1] = fmt(tonumber(ticket))
			redis.call('ZREM', q, member)
			redis.call('HDEL', c, member)
		end
	end
	redis.call('ZREMRANGEBYSCORE', x, '-inf', before)
end

-- the latest entry with a ticket below max (a score bound such as '(123' or '+inf') whose mode is in
-- conflicts: the one entry a waiter waits for, since it can be granted only once that one is gone
local function blocker(q, max, conflicts)
	if conflicts == '' then
		return nil
	end
	local offset = 0
	while true do
		local page = redis.call('ZREVRANGEBYSCORE', q, max, '-inf', 'LIMIT', offset, 128)
		for _, member in ipairs(page) do
			if string.find(conflicts, string.sub(member, 1, 2), 1, true) then
				return member
			end
		end
		if #page < 128 then
			return nil
		end
		offset = offset + 128
	end
end

-- the reply for an entry that waits: {1, ticket, blocker's ticket, blocker's remaining lease in ms}
-- (the blocker is swept from the millisecond after its expiry on, remaining + 1 ms from now)
local function waiting(q, x, ticket, blocking, nowMs)
	local blockerTicket = tonumber(redis.call('ZSCORE', q, blocking))
	local remaining = tonumber(redis.call('ZSCORE', x, blocking)) - nowMs
	return { 1, ticket, blockerTicket, remaining }
end

-- lets the keys expire with the latest live lease
local function expireWithLatest(q, x, c)
	local latest = redis.call('ZRANGE', x, -1, -1, 'WITHSCORES')
	if latest[1] then
		redis.call('PEXPIREAT', q, latest[2])
		redis.call('PEXPIREAT', x, latest[2])
		redis.call('PEXPIREAT', c, latest[2])
	end
end

-- each mode's conflict set, from 'NL=;CR=EX;...' (generated from LockMode)
local function conflictSets(matrix)
	local conflicts = {}
	for mode, set in string.gmatch(matrix, '(%u%u)=([^;]*)') do
		conflicts[mode] = set
	end
	return conflicts
end

-- whether mode conflicts with other (nil when there is no such mode)
local function conflict(conflicts, mode, other)
	return other ~= nil and string.find(conflicts[mode], other, 1, true) ~= nil
end

-- whether holding mode `held` already grants everything `mode` would (LockMode.covers): every mode that
-- conflicts with `mode` also conflicts with `held`
local function covers(conflicts, held, mode)
	for other in string.gmatch(conflicts[mode], '%u%u') do
		if not conflict(conflicts, held, other) then
			return false
		end
	end
	return true
end

-- the tickets of the entries after ticket `after` that are granted now (looking at the first 256
-- entries); only for a queue without conversions
local function grantedAfter(q, after, matrix)
	local conflicts = conflictSets(matrix)
	local granted = {}
	local writer = nil
	local seen = ''
	local page = redis.call('ZRANGE', q, 0, 255, 'WITHSCORES')
	for i = 1, #page, 2 do
		local mode = string.sub(page[i], 1, 2)
		local ticket = tonumber(page[i + 1])
		if ticket > after then
			local free = true
			for held in string.gmatch(seen, '%u%u') do
				if conflict(conflicts, mode, held) then
					free = false
					break
				end
			end
			if free then
				granted[#granted + 1] = '+' .. fmt(ticket)
				if mode == 'PW' or mode == 'EX' then
					writer = { member = page[i], ticket = ticket }
				end
			end
		end
		if not string.find(seen, mode, 1, true) then
			seen = seen .. mode .. ','
		end
	end
	return granted, writer
end

-- after entries left: tells waiters which ones, and, when matrix is given and the queue has no
-- conversions, which later entries are granted now (only when a later entry exists that they could have
-- blocked); lets the keys expire with the latest live lease. With conversions an entry may wait for a
-- later one, so every departure is told, and grants are left to the waiters' polls. Returns the entry
-- ({member, ticket}) whose grant in PW or EX it announced, if any: its holder polls no more, so the
-- caller marks it as the writer.
local function settle(q, x, c, channel, resource, removed, matrix)
	local last = redis.call('ZRANGE', q, -1, -1, 'WITHSCORES')
	local writer = nil
	if not last[1] then
		redis.call('DEL', c)
		return nil
	end
	local first = tonumber(removed[1])
	for i = 2, #removed do
		first = math.min(first, tonumber(removed[i]))
	end
	local conversions = redis.call('EXISTS', c) == 1
	if conversions or tonumber(last[2]) > first then
		local message = resource .. ' ' .. table.concat(removed, ' ')
		if matrix and not conversions then
			local granted
			granted, writer = grantedAfter(q, first, matrix)
			if #granted > 0 then
				message = message .. ' ' .. table.concat(granted, ' ')
			end
		end
		redis.call('PUBLISH', channel, message)
	end
	expireWithLatest(q, x, c)
	return writer
end

-- Conversions (DESIGN.md §12; the same rules as dev.dlock.support.QueueRules). The hash c holds:
--   <member>  '<granted mode>:<requested mode>:<order>:<token>' for an entry whose grant is recorded: one that
--             converted or converts, or that was granted when a conversion began to wait (so that the waiting
--             conversion never counts against a grant made before it). Requested mode and order (its place in
--             the conversion queue) are empty unless a conversion is pending; token is 0 while the ticket is the
--             entry's fencing token.
--   top       the largest token drawn for a grant; tickets and new tokens are drawn above it, and a waiting
--             entry with a smaller ticket draws a new token when it is granted, larger than every token drawn
--             before (S2: a grant that drew one, a conversion's or a waiter's, may have ended before it)
--   seq       the order of the latest conversion that waited
-- An entry without a record (a plain entry) is granted in its member's mode when no earlier plain entry and no
-- recorded granted or requested mode conflicts with it: a later plain entry never conflicts with an earlier
-- one that still waits, since it was granted after it. Such a grant holds until the entry leaves: a conversion
-- that waits records every grant first, and a granted conversion is compatible with every grant.

local function parseRecord(value)
	local granted, requested, order, token = string.match(value, '^(%u%u):(%u*):(%d*):(%d+)$')
	if requested == '' then
		return granted, nil, nil, tonumber(token)
	end
	return granted, requested, tonumber(order), tonumber(token)
end

local function record(c, entry)
	local order = entry.order and fmt(entry.order) or ''
	redis.call('HSET', c, entry.member,
		entry.granted .. ':' .. (entry.requested or '') .. ':' .. order .. ':' .. fmt(entry.token))
end

-- the queue with its conversions: entries in ticket order ({member, ticket, mode, granted, requested, order,
-- token, free}; free: a plain entry granted now), index by member, top, seq and the last ticket ('flag', written
-- by an earlier version, is read and no longer used)
local function loadQueue(q, c, conflicts)
	local queue = { entries = {}, index = {}, top = 0, flag = 0, seq = 0, last = 0 }
	local records = {}
	local fields = redis.call('HGETALL', c)
	for i = 1, #fields, 2 do
		local field = fields[i]
		if field == 'top' or field == 'flag' or field == 'seq' then
			queue[field] = tonumber(fields[i + 1])
		else
			records[field] = fields[i + 1]
		end
	end
	local held = {}
	local page = redis.call('ZRANGE', q, 0, -1, 'WITHSCORES')
	for i = 1, #page, 2 do
		local entry = { member = page[i], ticket = tonumber(page[i + 1]), mode = string.sub(page[i], 1, 2), token = 0 }
		if records[entry.member] then
			entry.granted, entry.requested, entry.order, entry.token = parseRecord(records[entry.member])
			held[entry.granted] = true
			if entry.requested then
				held[entry.requested] = true
			end
		end
		queue.entries[#queue.entries + 1] = entry
		queue.index[entry.member] = #queue.entries
		queue.last = entry.ticket
	end
	local earlier = {}
	for _, entry in ipairs(queue.entries) do
		if not entry.granted then
			entry.free = true
			for mode in string.gmatch(conflicts[entry.mode], '%u%u') do
				if held[mode] or earlier[mode] then
					entry.free = false
					break
				end
			end
			earlier[entry.mode] = true
		end
	end
	return queue
end

-- the mode an entry is granted in, or nil while it waits
local function grantedMode(entry)
	if entry.granted then
		return entry.granted
	end
	if entry.free then
		return entry.mode
	end
	return nil
end

-- what keeps a new request (at position index, its mode given) from being granted: the latest earlier
-- plain entry that conflicts with it (it must leave first), else a recorded entry whose granted or requested
-- mode conflicts with it
local function requestBlocker(queue, conflicts, index, mode)
	for i = index - 1, 1, -1 do
		local other = queue.entries[i]
		if not other.granted and conflict(conflicts, mode, other.mode) then
			return other
		end
	end
	for i, other in ipairs(queue.entries) do
		if i ~= index and other.granted
				and (conflict(conflicts, mode, other.granted) or conflict(conflicts, mode, other.requested)) then
			return other
		end
	end
	return nil
end

-- whether the conversion of entry `from` (its requested mode and order set) waits for entry `to`: for its
-- granted mode, or for a conversion ahead of it; waiting new requests never block a conversion
local function waitsFor(conflicts, from, to)
	if from == to then
		return false
	end
	return conflict(conflicts, from.requested, grantedMode(to))
		or (to.requested ~= nil and to.order < from.order and conflict(conflicts, from.requested, to.requested))
end

local function conversionBlocker(queue, conflicts, entry)
	for _, other in ipairs(queue.entries) do
		if waitsFor(conflicts, entry, other) then
			return other
		end
	end
	return nil
end

-- whether the conversion of `asking` (last in the conversion queue) would close a cycle of conversions that
-- wait for each other, so that none of them could ever be granted
local function closesCycle(queue, conflicts, asking)
	local toVisit, visited = { asking }, {}
	while #toVisit > 0 do
		local from = table.remove(toVisit)
		for _, to in ipairs(queue.entries) do
			if waitsFor(conflicts, from, to) then
				if to == asking then
					return true
				end
				if to.requested and not visited[to.member] then
					visited[to.member] = true
					toVisit[#toVisit + 1] = to
				end
			end
		end
	end
	return false
end

-- a fencing token above every ticket and token of the queue, and never below the server clock
local function drawToken(queue, c, nowUs)
	local token = math.max(queue.last + 1, queue.top + 1, nowUs)
	queue.top = token
	redis.call('HSET', c, 'top', fmt(token))
	return token
end

-- grants the pending conversion of an entry: its requested mode becomes its granted mode, with a new token,
-- and every entry that waits now draws a new token when it is granted
local function grantConversion(queue, c, entry, nowUs)
	entry.granted, entry.requested, entry.order = entry.requested, nil, nil
	entry.token = drawToken(queue, c, nowUs)
	record(c, entry)
	return { 0, entry.ticket, entry.token }
end

-- the reply for a pending conversion: granted now, or waiting
local function conversionState(q, x, c, queue, conflicts, entry, nowMs, nowUs)
	local blocking = conversionBlocker(queue, conflicts, entry)
	if blocking then
		return waiting(q, x, entry.ticket, blocking.member, nowMs)
	end
	return grantConversion(queue, c, entry, nowUs)
end

-- the reply for an entry without a pending conversion, on a queue with conversions: granted (a waiting
-- entry flagged by a conversion draws its token now, and its grant is recorded so that a repeated poll
-- answers the same), or waiting
local function requestState(q, x, c, queue, conflicts, index, nowMs, nowUs)
	local entry = queue.entries[index]
	if entry.granted then
		return { 0, entry.ticket, entry.token }
	end
	local blocking = requestBlocker(queue, conflicts, index, entry.mode)
	if blocking then
		return waiting(q, x, entry.ticket, blocking.member, nowMs)
	end
	if entry.ticket < queue.top then
		entry.granted, entry.token = entry.mode, drawToken(queue, c, nowUs)
		record(c, entry)
		return { 0, entry.ticket, entry.token }
	end
	return { 0, entry.ticket }
end

-- records the grant of every plain entry that is granted now, before a conversion begins to wait: the
-- waiting conversion's mode must not count against them
local function recordGrants(queue, c, nowUs)
	for _, entry in ipairs(queue.entries) do
		if entry.free then
			entry.granted, entry.free = entry.mode, nil
			if entry.ticket < queue.top then
				entry.token = drawToken(queue, c, nowUs)
			end
			record(c, entry)
		end
	end
end

-- Value blocks (DESIGN.md §12). The hash v holds:
--   b  the value's bytes, base64 ('' for none)   n  its version (the writer's fencing token)
--   i  '1' while the value is invalid              t  server ms of the last write or invalid-marking
--   w  the writer mark, '<ticket> <member>': the entry granted in PW or EX now (at most one can be)
-- Every script that tells an entry it is granted in PW or EX marks it first (enqueue, poll, convert, and
-- remove for a grant it announces); a removal of the live entry, or its conversion out of PW and EX, clears
-- the mark; a write needs it. A mark whose entry is no longer live is a writer that ended without a removal
-- (its lease ran out, or its whole queue expired): the next script that meets it marks the value invalid.
-- The value counts from t for the retention time; while a writer is marked the key lives until a retention
-- after that writer's lease, so that the mark outlives the entry and is seen after a crash.

local function isWriting(mode)
	return mode == 'PW' or mode == 'EX'
end

local function writerMark(ticket, member)
	return fmt(ticket) .. ' ' .. member
end

-- whether the entry a mark names is still in the queue with a lease that has not run out
local function markLive(q, x, mark, nowMs)
	local ticket, member = string.match(mark, '^(%d+) (.*)$')
	local queued = redis.call('ZSCORE', q, member)
	local expiry = redis.call('ZSCORE', x, member)
	return queued ~= false and expiry ~= false and fmt(tonumber(queued)) == ticket and tonumber(expiry) >= nowMs
end

-- the stored value if its retention has not run out: {bytes, version, valid}; nil otherwise
local function liveValue(fields, nowMs, retentionMs)
	if not fields[4] or nowMs >= tonumber(fields[4]) + retentionMs then
		return nil
	end
	return { fields[1] or '', fields[2] or '0', fields[3] ~= '1' }
end

-- the writer named by the mark ended without a removal: the value (or, past its retention, an empty one)
-- is invalid from now, kept a retention time; the mark goes
local function invalidate(v, fields, nowMs, retentionMs)
	local value = liveValue(fields, nowMs, retentionMs) or { '', '0' }
	redis.call('HSET', v, 'b', value[1], 'n', value[2], 'i', '1', 't', fmt(nowMs))
	redis.call('HDEL', v, 'w')
	redis.call('PEXPIREAT', v, fmt(nowMs + retentionMs))
end

-- reads b, n, i, t and w; settles a mark whose entry is gone (invalid from now)
local function settleValue(q, x, v, nowMs, retentionMs)
	local fields = redis.call('HMGET', v, 'b', 'n', 'i', 't', 'w')
	if fields[5] and not markLive(q, x, fields[5], nowMs) then
		invalidate(v, fields, nowMs, retentionMs)
		fields = redis.call('HMGET', v, 'b', 'n', 'i', 't', 'w')
	end
	return fields
end

-- marks an entry granted in PW or EX as the writer; the key then lives a retention past the entry's
-- lease (renew extends it with the lease). Idempotent. Costs HSETNX and PEXPIREAT when no mark is there.
local function markWriter(q, x, v, ticket, member, nowMs, retentionMs)
	local mark = writerMark(ticket, member)
	if redis.call('HSETNX', v, 'w', mark) == 0 and redis.call('HGET', v, 'w') ~= mark then
		settleValue(q, x, v, nowMs, retentionMs)
		redis.call('HSET', v, 'w', mark)
	end
	local expiry = tonumber(redis.call('ZSCORE', x, member))
	redis.call('PEXPIREAT', v, fmt(expiry + retentionMs))
end

-- clears the mark of an entry that leaves PW and EX alive (removed, or converted to a weaker mode); the key
-- then lives a retention past the last write. A mark of an entry whose lease ran out stays: it was lost.
-- (nowMs may be nil: the clock is read only for a marked entry)
local function clearWriter(x, v, ticket, member, nowMs, retentionMs)
	local fields = redis.call('HMGET', v, 'w', 't')
	if fields[1] ~= writerMark(ticket, member) then
		return
	end
	nowMs = nowMs or clock()
	local expiry = redis.call('ZSCORE', x, member)
	if not expiry or tonumber(expiry) < nowMs then
		return
	end
	redis.call('HDEL', v, 'w')
	if fields[2] then
		redis.call('PEXPIREAT', v, fmt(tonumber(fields[2]) + retentionMs))
	end
end
