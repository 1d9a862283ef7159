-- dlock renew: extends the leases of a session's entries on one resource, granted or waiting.
-- ARGV: lease ms, channel, resource, member...
-- Reply: the 1-based positions (among the members) of entries that no longer exist
local leaseMs, channel, resource = tonumber(ARGV[1]), ARGV[2], ARGV[3]
local nowMs = clock()
local removed = {}
sweep(nowMs, removed)

local expiry = fmt(nowMs + leaseMs)
local missing = {}
for i = 4, #ARGV do
	local member = ARGV[i]
	if redis.call('ZSCORE', q, member) then
		redis.call('ZADD', x, expiry, member)
	else
		missing[#missing + 1] = i - 3
	end
end
wake(channel, resource, removed)
settle(nowMs)
return missing
