-- dlock enqueue: records a request, assigns its ticket and tells whether it is granted.
-- ARGV: member ('<mode>:<owner id>'), conflicting modes, lease ms, wait (1) or try (0), channel, resource
-- Reply: {0, ticket} granted | {1, ticket, blocker ticket, blocker lease left ms} waiting | {2} rejected
local member, conflicts, leaseMs, wait, channel, resource =
	ARGV[1], ARGV[2], tonumber(ARGV[3]), ARGV[4] == '1', ARGV[5], ARGV[6]
local nowMs, nowUs = clock()
local removed = {}
sweep(nowMs, removed)

local own = redis.call('ZSCORE', q, member)
if own then
	-- the same request again: answer for the entry it already has
	local ticket = tonumber(own)
	local blocking = blocker('(' .. fmt(ticket), conflicts)
	wake(channel, resource, removed)
	if #removed > 0 then
		settle(nowMs)
	end
	if blocking then
		return waiting(ticket, blocking, nowMs)
	end
	return { 0, ticket }
end

local blocking = blocker('+inf', conflicts)
if blocking and not wait then
	-- a try that would have to wait leaves no trace
	wake(channel, resource, removed)
	if #removed > 0 then
		settle(nowMs)
	end
	return { 2 }
end

-- fencing: strictly increasing, and never below the server clock, so that it keeps increasing after
-- a restart that lost the stored sequence (assumes the server clock does not step back)
local ticket = math.max(tonumber(redis.call('GET', s) or '0') + 1, nowUs)
redis.call('SET', s, fmt(ticket))
redis.call('ZADD', q, fmt(ticket), member)
redis.call('ZADD', x, fmt(nowMs + leaseMs), member)
wake(channel, resource, removed)
settle(nowMs)
if blocking then
	return waiting(ticket, blocking, nowMs)
end
return { 0, ticket }
