-- dlock remove: deletes the entry of one owner, granted or waiting, and wakes the entries it blocked.
-- Owner-only (the member carries the secret owner id) and idempotent.
-- ARGV: member, channel, resource
-- Reply: 1 if the entry existed, 0 if it was already gone
local member, channel, resource = ARGV[1], ARGV[2], ARGV[3]
local nowMs = clock()
local removed = {}
sweep(nowMs, removed)

local existed = 0
local own = redis.call('ZSCORE', q, member)
if own then
	removed[#removed + 1] = fmt(tonumber(own))
	redis.call('ZREM', q, member)
	redis.call('ZREM', x, member)
	existed = 1
end
wake(channel, resource, removed)
if #removed > 0 then
	settle(nowMs)
end
return existed
