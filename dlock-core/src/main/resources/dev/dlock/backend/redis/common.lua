-- dlock: shared prelude, prepended to every operation script at load time (one script per operation).
--
-- Keys of one resource share one hash tag, so every script touches a single cluster slot:
--   KEYS[1]  <prefix>{<encoded key>}:q   ZSET  member = '<mode>:<owner id>', score = ticket
--   KEYS[2]  <prefix>{<encoded key>}:x   ZSET  member = the same, score = lease expiry (server ms)
--   KEYS[3]  <prefix>{<encoded key>}:s   STRING the last ticket issued (the fencing sequence)
-- Modes are the first two characters of a member. The grant rule gets the requested mode's conflict
-- set as an argument ('CR,CW,...', derived from LockMode); the compatibility matrix is not in Lua.
-- Every decision uses the server clock (TIME); clients never send timestamps.

local q, x, s = KEYS[1], KEYS[2], KEYS[3]

-- how long the fencing sequence outlives the last entry, so that a ticket issued ahead of the
-- clock (more than one per microsecond) is never repeated
local SEQ_LINGER_MS = 1000

local function fmt(n)
	return string.format('%.0f', n)
end

-- server time in milliseconds (for leases) and in microseconds (for tickets)
local function clock()
	local t = redis.call('TIME')
	local sec, usec = tonumber(t[1]), tonumber(t[2])
	return sec * 1000 + math.floor(usec / 1000), sec * 1000000 + usec
end

-- removes entries whose lease ran out; appends their tickets to removed
local function sweep(nowMs, removed)
	local expired = redis.call('ZRANGEBYSCORE', x, '-inf', nowMs)
	if #expired == 0 then
		return
	end
	for _, member in ipairs(expired) do
		local ticket = redis.call('ZSCORE', q, member)
		if ticket then
			removed[#removed + 1] = fmt(tonumber(ticket))
			redis.call('ZREM', q, member)
		end
	end
	redis.call('ZREMRANGEBYSCORE', x, '-inf', nowMs)
end

-- the latest entry with a ticket below max (a ZSET score bound such as '(123' or '+inf') whose mode
-- is in conflicts: the one entry a waiter waits for
local function blocker(max, conflicts)
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

-- the reply of an entry that is not granted: {1, ticket, blocker's ticket, blocker's remaining lease}
local function waiting(ticket, member, nowMs)
	local blockerTicket = tonumber(redis.call('ZSCORE', q, member))
	local remaining = tonumber(redis.call('ZSCORE', x, member)) - nowMs
	return { 1, ticket, blockerTicket, remaining }
end

-- sets every key of the resource to expire with its latest live lease; nothing is left behind
local function settle(nowMs)
	local last = redis.call('ZRANGE', x, -1, -1, 'WITHSCORES')
	if last[1] then
		local expiry = tonumber(last[2])
		redis.call('PEXPIREAT', q, fmt(expiry))
		redis.call('PEXPIREAT', x, fmt(expiry))
		redis.call('PEXPIREAT', s, fmt(math.max(expiry, nowMs + SEQ_LINGER_MS)))
	else
		redis.call('DEL', q, x)
		redis.call('PEXPIRE', s, SEQ_LINGER_MS)
	end
end

-- tells waiters which entries left, but only when a later entry exists that they could have blocked
local function wake(channel, resource, removed)
	if #removed == 0 then
		return
	end
	local first = tonumber(removed[1])
	for i = 2, #removed do
		first = math.min(first, tonumber(removed[i]))
	end
	local last = redis.call('ZRANGE', q, -1, -1, 'WITHSCORES')
	if last[1] and tonumber(last[2]) > first then
		redis.call('PUBLISH', channel, resource .. ' ' .. table.concat(removed, ' '))
	end
end

