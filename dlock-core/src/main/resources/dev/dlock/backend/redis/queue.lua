-- dlock queue: reads the live entries of a granted entry's lock as the grant rules see them, for blocking
-- notifications. Writes nothing: entries whose lease ran out are left out instead of swept, and may still count
-- against the grant of a later entry, which then shows as waiting although it may be granted (allowed).
-- ARGV: member (the granted entry's), the conflict sets of all modes ('NL=;CR=EX;...')
-- Reply: {} when the entry is gone, else four fields per live entry in ticket order: ticket, granted mode ('' while
-- it waits), requested mode (a waiting request's, or the target of a pending conversion; '' if none), conversion
-- order (0 unless converting). Owner ids never leave the server.
local q, x, c = KEYS[1], KEYS[2], KEYS[3]
local member, matrix = ARGV[1], ARGV[2]
local nowMs = clock()
local before = '(' .. fmt(nowMs)
local own = redis.call('ZSCORE', x, member)
if not own or tonumber(own) < nowMs then
	return {}
end
local expired = {}
for _, gone in ipairs(redis.call('ZRANGEBYSCORE', x, '-inf', before)) do
	expired[gone] = true
end
local reply = {}
for _, entry in ipairs(loadQueue(q, c, conflictSets(matrix)).entries) do
	if not expired[entry.member] then
		local granted = grantedMode(entry)
		reply[#reply + 1] = entry.ticket
		reply[#reply + 1] = granted or ''
		reply[#reply + 1] = entry.requested or (granted and '' or entry.mode)
		reply[#reply + 1] = entry.order or 0
	end
end
return reply
