-- dlock renew: extends the leases of a session's entries on one resource, granted or waiting.
-- ARGV: lease ms, channel, resource, member...
-- Reply: the 1-based positions (among the members) of the entries that no longer exist
local leaseMs, channel, resource = tonumber(ARGV[1]), ARGV[2], ARGV[3]
local nowMs = clock()
local removed = {}
sweep(nowMs, removed)
if #removed > 0 then
	settle(channel, resource, removed)
end

local expiry = fmt(nowMs + leaseMs)
local missing = {}
local renewed = false
for i = 4, #ARGV do
	local member = ARGV[i]
	if redis.call('ZSCORE', q, member) then
		redis.call('ZADD', x, expiry, member)
		renewed = true
	else
		missing[#missing + 1] = i - 3
	end
end
if renewed then
	local latest = redis.call('ZRANGE', x, -1, -1, 'WITHSCORES')
	redis.call('PEXPIREAT', q, latest[2])
	redis.call('PEXPIREAT', x, latest[2])
end
return missing
