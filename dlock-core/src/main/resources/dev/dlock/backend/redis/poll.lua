-- dlock poll: tells whether a waiting entry is granted now. It never extends a lease.
-- ARGV: member, conflicting modes, channel, resource
-- Reply: {0, ticket} granted | {1, ticket, blocker ticket, blocker lease left ms} waiting | {3} gone
local q, x = KEYS[1], KEYS[2]
local member, conflicts, channel, resource = ARGV[1], ARGV[2], ARGV[3], ARGV[4]
local nowMs = clock()
local removed = {}
sweep(q, x, nowMs, removed)
if #removed > 0 then
	settle(q, x, channel, resource, removed)
end

local own = redis.call('ZSCORE', q, member)
if not own then
	return { 3 }
end
local ticket = tonumber(own)
local blocking = blocker(q, '(' .. own, conflicts)
if blocking then
	return waiting(q, x, ticket, blocking, nowMs)
end
return { 0, ticket }
