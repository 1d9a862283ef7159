-- dlock renew: extends the leases of a session's entries, granted or waiting, on one or more resources
-- (all in one cluster slot).
-- KEYS: q, x and c of each resource, in triples
-- ARGV: lease in microseconds, channel, then per resource: resource, member count, members...
-- Reply: the 1-based positions (among all members) of the entries that no longer exist
local leaseUs, channel = tonumber(ARGV[1]), ARGV[2]
local nowMs, nowUs = clock()
local expiry = fmt(expiryAfter(nowUs, leaseUs))
local missing = {}
local arg = 3
local position = 0
for k = 1, #KEYS, 3 do
	local q, x, c = KEYS[k], KEYS[k + 1], KEYS[k + 2]
	local resource, count = ARGV[arg], tonumber(ARGV[arg + 1])
	arg = arg + 2
	local removed = {}
	sweep(q, x, c, nowMs, removed)
	if #removed > 0 then
		settle(q, x, c, channel, resource, removed)
	end
	local renewed = false
	for i = arg, arg + count - 1 do
		position = position + 1
		-- XX: never adds; CH: counts a changed expiry. An unchanged one (renewed twice in one
		-- millisecond) is told apart from a missing entry by asking again.
		if redis.call('ZADD', x, 'XX', 'CH', expiry, ARGV[i]) == 1 or redis.call('ZSCORE', x, ARGV[i]) then
			renewed = true
		else
			missing[#missing + 1] = position
		end
	end
	arg = arg + count
	if renewed then
		expireWithLatest(q, x, c)
	end
end
return missing
