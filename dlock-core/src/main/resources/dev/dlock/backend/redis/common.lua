-- dlock: shared prelude, prepended to every operation script at load time (one script per operation).
--
-- A resource (lock) has two keys that share one hash tag, so a script touches a single cluster slot:
--   q  <prefix>{<encoded key>}:q   ZSET  member = '<mode>:<owner id>', score = ticket
--   x  <prefix>{<encoded key>}:x   ZSET  member = the same, score = lease expiry (server ms, rounded up)
-- Scripts for one resource get them as KEYS[1] and KEYS[2]; renew gets pairs of them.
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
-- tickets to removed
local function sweep(q, x, nowMs, removed)
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

-- lets both keys expire with the latest live lease
local function expireWithLatest(q, x)
	local latest = redis.call('ZRANGE', x, -1, -1, 'WITHSCORES')
	if latest[1] then
		redis.call('PEXPIREAT', q, latest[2])
		redis.call('PEXPIREAT', x, latest[2])
	end
end

-- the tickets of the entries after ticket `after` that are granted now (looking at the first 256
-- entries); matrix gives each mode's conflict set, 'NL=;CR=EX;...', generated from LockMode
local function grantedAfter(q, after, matrix)
	local conflicts = {}
	for mode, set in string.gmatch(matrix, '(%u%u)=([^;]*)') do
		conflicts[mode] = set
	end
	local granted = {}
	local seen = ''
	local page = redis.call('ZRANGE', q, 0, 255, 'WITHSCORES')
	for i = 1, #page, 2 do
		local mode = string.sub(page[i], 1, 2)
		local ticket = tonumber(page[i + 1])
		if ticket > after then
			local free = true
			for held in string.gmatch(seen, '%u%u') do
				if string.find(conflicts[mode] or '', held, 1, true) then
					free = false
					break
				end
			end
			if free then
				granted[#granted + 1] = '+' .. fmt(ticket)
			end
		end
		if not string.find(seen, mode, 1, true) then
			seen = seen .. mode .. ','
		end
	end
	return granted
end

-- after entries left: tells waiters which ones, and, when matrix is given, which later entries are
-- granted now (only when a later entry exists that they could have blocked); lets both keys expire
-- with the latest live lease
local function settle(q, x, channel, resource, removed, matrix)
	local last = redis.call('ZRANGE', q, -1, -1, 'WITHSCORES')
	if not last[1] then
		return
	end
	local first = tonumber(removed[1])
	for i = 2, #removed do
		first = math.min(first, tonumber(removed[i]))
	end
	if tonumber(last[2]) > first then
		local message = resource .. ' ' .. table.concat(removed, ' ')
		if matrix then
			local granted = grantedAfter(q, first, matrix)
			if #granted > 0 then
				message = message .. ' ' .. table.concat(granted, ' ')
			end
		end
		redis.call('PUBLISH', channel, message)
	end
	expireWithLatest(q, x)
end

