-- dlock enqueue: records a request, assigns its ticket and tells whether it is granted.
-- ARGV: member ('<mode>:<owner id>'), conflicting modes, lease in microseconds, wait (1) or try (0), channel,
-- resource, the conflict sets of all modes ('NL=;CR=EX;...'), value retention in ms
-- A request granted in PW or EX is marked as the value's writer (see common.lua, 'Value blocks').
-- A request that waits on a lock whose queue a holder watches (w exists, see watch.lua) publishes
-- '<resource> ?<ticket> <mode>'; on a lock nobody watches it publishes nothing.
-- Reply: {0, ticket} granted | {1, ticket, blocker ticket, blocker lease left ms} waiting | {2} rejected
local q, x, c, w, v = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5]
local member, conflicts, leaseUs, wait, channel, resource, matrix, retentionMs =
	ARGV[1], ARGV[2], tonumber(ARGV[3]), ARGV[4] == '1', ARGV[5], ARGV[6], ARGV[7], tonumber(ARGV[8])
local nowMs, nowUs = clock()
local last = redis.call('ZRANGE', q, -1, -1, 'WITHSCORES')
local conversions = false
if last[1] then
	-- a queue exists: drop its expired entries first (an empty queue has none)
	local removed = {}
	sweep(q, x, c, nowMs, removed)
	if #removed > 0 then
		settle(q, x, c, channel, resource, removed)
		last = redis.call('ZRANGE', q, -1, -1, 'WITHSCORES')
	end
	conversions = last[1] ~= nil and redis.call('EXISTS', c) == 1
end
local blocking = nil
local top = 0
if conversions then
	local sets = conflictSets(matrix)
	local queue = loadQueue(q, c, sets)
	local own = queue.index[member]
	if own then
		-- the same request again: answer for the entry it already has
		local reply = requestState(q, x, c, queue, sets, own, nowMs, nowUs)
		local entry = queue.entries[own]
		if reply[1] == 0 and isWriting(entry.granted or entry.mode) then
			markWriter(q, x, v, entry.ticket, member, nowMs, retentionMs)
		end
		return reply
	end
	local found = requestBlocker(queue, sets, #queue.entries + 1, string.sub(member, 1, 2))
	blocking = found and found.member
	top = queue.top
elseif last[1] then
	blocking = blocker(q, '+inf', conflicts)
end
if blocking and not wait then
	-- a try that would have to wait leaves no trace
	return { 2 }
end

-- the fencing token: above every ticket in the queue and every token drawn for a conversion, and never below
-- the server clock, so that it keeps increasing after a restart that lost the data (assumes the server clock
-- does not step back)
local ticket = nowUs
if last[1] then
	ticket = math.max(tonumber(last[2]) + 1, top + 1, nowUs)
end
local expiry = expiryAfter(nowUs, leaseUs)
if redis.call('ZADD', q, 'NX', fmt(ticket), member) == 0 then
	-- the same request again: answer for the entry it already has
	ticket = tonumber(redis.call('ZSCORE', q, member))
	blocking = blocker(q, '(' .. fmt(ticket), conflicts)
	expiry = tonumber(redis.call('ZSCORE', x, member))
else
	redis.call('ZADD', x, fmt(expiry), member)
end
if last[1] then
	expiry = math.max(expiry, tonumber(redis.call('ZRANGE', x, -1, -1, 'WITHSCORES')[2]))
end
redis.call('PEXPIREAT', q, fmt(expiry))
redis.call('PEXPIREAT', x, fmt(expiry))
if conversions then
	redis.call('PEXPIREAT', c, fmt(expiry))
end
if blocking then
	if redis.call('EXISTS', w) == 1 then
		redis.call('PUBLISH', channel, resource .. ' ?' .. fmt(ticket) .. ' ' .. string.sub(member, 1, 2))
	end
	return waiting(q, x, ticket, blocking, nowMs)
end
if isWriting(string.sub(member, 1, 2)) then
	markWriter(q, x, v, ticket, member, nowMs, retentionMs)
end
return { 0, ticket }
